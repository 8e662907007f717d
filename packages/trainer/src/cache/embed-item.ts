/** An example to embed: its path (or table position) and content hash (the cache key). */
export interface EmbedItem {
  readonly path: string;
  readonly sha256: string;
  /** The text itself, for an example read from a table rather than a file. */
  readonly text?: string;
}

/** Progress of an embedding run (embedItems, embedCandidates). */
export interface EmbedProgress {
  readonly done: number;
  readonly total: number;
  readonly fromCache: number;
}
