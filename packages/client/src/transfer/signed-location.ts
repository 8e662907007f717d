import { ModelhubError } from '@modelhub/core';

/**
 * Where one blob's bytes come from. Every download starts at the registry's `/resolve/` URL; a
 * registry on object storage answers with a redirect to a signed URL on another host (a
 * presigned S3 GET, a CDN link). That URL is remembered and every later request for the blob
 * (the other ranges, the resume after a cut) goes straight to it with a `Range`, without asking
 * the registry again. A signed URL expires, though: when the storage refuses a remembered one
 * (403 after its lifetime, or any other 4xx) it is forgotten and the next request resolves
 * afresh, from the byte where the transfer stopped.
 */
export class SignedLocation {
  /** The registry's `/resolve/` URL of the blob. */
  readonly resolveUrl: string;
  readonly #origin: string;
  #signed: string | undefined;

  constructor(resolveUrl: string) {
    this.resolveUrl = resolveUrl;
    this.#origin = new URL(resolveUrl).origin;
  }

  /** The URL the next request starts from, and whether it is a remembered signed URL. */
  next(): { readonly url: string; readonly reused: boolean } {
    return this.#signed === undefined
      ? { url: this.resolveUrl, reused: false }
      : { url: this.#signed, reused: true };
  }

  /**
   * A request answered with the body from `url` (after redirects): a URL on another host than the
   * registry is the signed location, kept for the next requests. Same-host redirects are not
   * remembered (they carry the token and cost nothing to follow again).
   */
  learn(url: string): void {
    if (url !== this.resolveUrl && new URL(url).origin !== this.#origin) {
      this.#signed = url;
    }
  }

  /** The storage refused `url`, a remembered signed URL: resolve again (unless another request already did). */
  forget(url: string): void {
    if (this.#signed === url) {
      this.#signed = undefined;
    }
  }
}

/**
 * Thrown inside a transfer when the storage refused a remembered signed URL: the request goes
 * again at once through the registry, which hands out a fresh one. Not counted as a failure, since
 * the next request cannot meet it (it starts at the registry).
 */
export class SignedUrlRefused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the storage refused the remembered signed URL (${status})`);
    this.status = status;
  }
}

/**
 * True for a status that means "this signed URL no longer works" when it comes from a remembered
 * one: any 4xx but 416 (a range past the end stays wrong on a fresh URL). S3, R2 and CloudFront
 * answer 403 to an expired URL; some stores use 400, 401 or 410.
 */
export function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 416 && status !== 408 && status !== 429;
}

/**
 * The error for a download the storage behind a registry's redirect refused (a fresh signed URL,
 * so asking again would not help): it names the storage, not the registry, and says what to check.
 */
export function storageRefusal(
  status: number,
  storageUrl: string,
  file: string,
  context: Readonly<Record<string, unknown>>,
): ModelhubError {
  const host = new URL(storageUrl).host;
  return new ModelhubError(
    status === 404 ? 'ENTRY_NOT_FOUND' : 'HTTP_ERROR',
    `The storage at ${host}, where the registry sent the download of ${file}, answered ${status}.`,
    {
      hint:
        status === 403
          ? 'The signed URL was refused at once: the registry and the storage disagree on the time or the public endpoint (--s3-public-endpoint), or the URL lifetime is too short. Retry; tell the registry operator if it persists.'
          : 'Retry the pull; tell the registry operator if it persists.',
      details: { ...context, status, storage: host },
    },
  );
}
