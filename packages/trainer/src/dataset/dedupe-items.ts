import type { DatasetItem } from './dataset.ts';

/** What {@link dedupeItems} left out. */
export interface DedupeReport {
  /** Extra copies of an image under the same label (one copy is kept). */
  readonly duplicates: readonly string[];
  /** Every copy of an image that appears under more than one label (all are left out). */
  readonly conflicting: ReadonlyArray<{ readonly path: string; readonly label: string }>;
}

/**
 * Keeps one copy of each image content: identical files on both sides of a split would make the
 * validation score a memory test, and the same image under two labels cannot be learned.
 */
export function dedupeItems(items: readonly DatasetItem[]): { items: DatasetItem[]; report: DedupeReport } {
  const byHash = new Map<string, DatasetItem[]>();
  for (const item of items) {
    const list = byHash.get(item.sha256);
    if (list === undefined) {
      byHash.set(item.sha256, [item]);
    } else {
      list.push(item);
    }
  }
  const kept = new Set<DatasetItem>();
  const duplicates: string[] = [];
  const conflicting: { path: string; label: string }[] = [];
  for (const group of byHash.values()) {
    const labels = new Set(group.map((i) => i.label));
    if (labels.size > 1) {
      conflicting.push(...group.map((i) => ({ path: i.path, label: i.label })));
      continue;
    }
    kept.add(group[0] as DatasetItem);
    duplicates.push(...group.slice(1).map((i) => i.path));
  }
  return { items: items.filter((i) => kept.has(i)), report: { duplicates, conflicting } };
}
