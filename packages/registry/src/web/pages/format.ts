import { html, type SafeHtml } from '../html/html.ts';

/** Bytes for people: 1023 B, 1.4 kB, 12.3 MB (powers of 1000, as the Hub shows sizes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0
    ? `${bytes} B`
    : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit] ?? ''}`;
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "3 days ago" relative to `now`. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const steps: readonly [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Number.POSITIVE_INFINITY, 'year'],
  ];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (value < size) {
      return value < 1 && unit === 'second' ? 'just now' : `${value} ${unit}${value === 1 ? '' : 's'} ago`;
    }
    value = Math.floor(value / size);
  }
  return iso;
}

/** A `<time>` element: relative text, exact time on hover and for machines. */
export function timeTag(iso: string): SafeHtml {
  return html`<time datetime="${iso}" title="${iso}">${timeAgo(iso)}</time>`;
}

/** The first 7 hex digits of a commit sha, as git prints it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** A number as a percentage with one decimal. */
export function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
