/** One labelled example of a dataset: an image, text or audio file, or a text from a table. */
export interface DatasetItem {
  /** Absolute path of the file, or `<table file>:<line>` for a text read from a CSV/JSONL table. */
  readonly path: string;
  /** Path relative to the dataset root, with `/` separators (what the manifest hash covers). */
  readonly relPath: string;
  readonly label: string;
  /** Hex sha256 of the file content, or of the text (also the feature-cache key). */
  readonly sha256: string;
  /** The example itself when it came from a table rather than a file. */
  readonly text?: string;
}

/** A file that was left out of a dataset, and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** A scanned dataset: its items in a stable order, its labels, and its manifest hash. */
export interface Dataset {
  /** Folder (or manifest file) the dataset was read from. */
  readonly source: string;
  readonly items: readonly DatasetItem[];
  /** Sorted label names; a label's index is its class index. */
  readonly labels: readonly string[];
  readonly perClass: Readonly<Record<string, number>>;
  /** sha256 over the sorted `relPath\tsha256\tlabel\n` lines: names the exact data trained on. */
  readonly manifestSha256: string;
  readonly skipped: readonly SkippedFile[];
  /**
   * Class folders that gave no example (empty, only other file types, or every file skipped):
   * their label is not in `labels`, so a head trained on the dataset never predicts it.
   */
  readonly emptyLabels: readonly string[];
}
