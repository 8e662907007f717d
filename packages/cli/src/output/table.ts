import { displayWidth, padEndColumns, padStartColumns } from '@modelhub/core';

/** A column of a text table: its heading and which side its cells line up on. */
export interface Column {
  readonly heading: string;
  readonly align?: 'left' | 'right';
}

/**
 * Formats rows as a table with a heading line, columns two spaces apart, numbers lined up on the
 * right. The last column is not padded (no trailing spaces). Widths are terminal columns, so CJK
 * and emoji cells line up.
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) =>
    Math.max(displayWidth(c.heading), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] ?? 0;
        if (c.align === 'right') {
          return padStartColumns(cell, width);
        }
        return i === columns.length - 1 ? cell : padEndColumns(cell, width);
      })
      .join('  ')
      .trimEnd();
  return `${[columns.map((c) => c.heading), ...rows].map(line).join('\n')}\n`;
}

/** "just now", "5 min ago", "3 h ago", "12 days ago": when something last happened, for people. */
export function timeAgo(when: Date, now: Date = new Date()): string {
  const seconds = Math.max(0, (now.getTime() - when.getTime()) / 1000);
  if (seconds < 60) {
    return 'just now';
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ago`;
  }
  if (seconds < 86_400) {
    return `${Math.floor(seconds / 3600)} h ago`;
  }
  const days = Math.floor(seconds / 86_400);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}
