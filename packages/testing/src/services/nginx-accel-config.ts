/** Where the registry sits and where its blob files are, for `accelRedirectConfig`. */
export interface AccelRedirectConfigOptions {
  /** The registry's own URL, e.g. `http://127.0.0.1:8080` (started with `--accel-redirect <location>`). */
  readonly upstream: string;
  /** `<data>/storage/blobs`: the folder nginx sends files from. */
  readonly blobsDir: string;
  /** The internal location the registry names in X-Accel-Redirect, e.g. `/_modelhub_blobs/`. */
  readonly location: string;
}

/**
 * The nginx configuration the README documents for `hub serve --accel-redirect` (the inside of
 * `server { }`, for `startNginx`): everything proxied to the registry, which authorizes and
 * names the blob; nginx then sends the file from the internal location with the registry's headers.
 */
export function accelRedirectConfig({ upstream, blobsDir, location }: AccelRedirectConfigOptions): string {
  return `
    client_max_body_size 0;
    location / {
      proxy_pass ${upstream};
      proxy_set_header Host $http_host;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
    location ${location} {
      internal;
      alias ${blobsDir}/;
      etag off;
      add_header ETag $upstream_http_etag;
      add_header X-Repo-Commit $upstream_http_x_repo_commit;
      add_header X-Linked-Etag $upstream_http_x_linked_etag;
      add_header X-Linked-Size $upstream_http_x_linked_size;
      add_header X-Request-Id $upstream_http_x_request_id;
      add_header Access-Control-Allow-Origin $upstream_http_access_control_allow_origin;
      add_header Access-Control-Expose-Headers $upstream_http_access_control_expose_headers;
      add_header Content-Security-Policy $upstream_http_content_security_policy;
      add_header X-Content-Type-Options $upstream_http_x_content_type_options;
    }`;
}
