const collator = new Intl.Collator('en', { numeric: true });

/** Orders labels the way people expect (`2` before `10`), identically on every machine. */
export function compareLabels(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
