import { describe, expect, it } from 'vitest';

import { displayWidth } from '@modelhub/core';

import { classificationMetrics } from './classification-metrics.ts';
import { formatConfusionTable, formatMetrics } from './format-metrics.ts';

// Labels people use: CJK class names, emoji, a long one cut with an ellipsis.
const labels = ['猫', '🐶', 'cat', 'とても長いラベルの名前です'];
const m = classificationMetrics([0, 1, 2, 3, 0, 1], [0, 1, 2, 3, 1, 1], labels);

/** The terminal column where each number of a line starts. */
function numberColumns(line: string): number[] {
  const columns: number[] = [];
  let column = 0;
  let previous = ' ';
  for (const ch of line) {
    if (/[0-9]/.test(ch) && previous === ' ') {
      columns.push(column);
    }
    column += displayWidth(ch);
    previous = ch;
  }
  return columns;
}

describe('metric tables with CJK and emoji labels', () => {
  it('line up the confusion matrix columns in terminal columns', () => {
    const lines = formatConfusionTable(m).split('\n');
    const widths = new Set(lines.map(displayWidth));
    expect(widths.size).toBe(1);
    const rows = lines.slice(1).map(numberColumns);
    expect(rows.every((r) => JSON.stringify(r) === JSON.stringify(rows[0]))).toBe(true);
    expect(lines.at(-1)).toContain('とても長い…');
  });

  it('line up the per-class table', () => {
    const text = formatMetrics(m);
    const table = text.split('\n').filter((l) => /^\S.* \d\.\d{3} /.test(l));
    expect(table).toHaveLength(4);
    const starts = table.map((l) => numberColumns(l)[0]);
    expect(new Set(starts)).toEqual(new Set([19]));
  });
});
