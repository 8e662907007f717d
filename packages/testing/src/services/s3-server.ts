import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import S3rver from '@20minutes/s3rver';

/** An S3-compatible server for tests, with one bucket. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>`: pass it as the S3 endpoint (path-style addressing). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  /** The access key pair s3rver accepts (SigV4 is checked, header and query). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Where s3rver keeps the objects (to inspect or corrupt them in tests). */
  readonly directory: string;
  stop(): Promise<void>;
}

/**
 * Starts `@20minutes/s3rver` on 127.0.0.1, port 0, in this process. It checks SigV4 signatures and
 * expiry, serves ranges and multipart uploads; it does NOT enforce anonymous-access rules, payload
 * hashes, AbortMultipartUpload or ListMultipartUploads, so no code may rely on those.
 */
export async function startS3(options: { bucket?: string } = {}): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'modelhub-s3-'));
  const bucket = options.bucket ?? 'modelhub-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    directory,
    stop: () => {
      stopped ??= (async () => {
        server.httpServer.closeAllConnections();
        await server.close();
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
