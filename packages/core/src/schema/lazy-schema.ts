/**
 * A schema built on its first use instead of when its module loads. Building a zod schema is not
 * free (the head manifest and input specs took ~70 ms of a fresh `hub` process's CPU), and every
 * command loads these modules while few of them ever parse a manifest.
 */
export function lazySchema<T>(build: () => T): () => T {
  let schema: T | undefined;
  return () => (schema ??= build());
}
