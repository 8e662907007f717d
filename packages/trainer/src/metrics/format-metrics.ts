import { displayWidth, padEndColumns, padStartColumns, truncateColumns } from '@modelhub/core';

import type { ClassificationMetrics } from './classification-metrics.ts';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * The confusion matrix as a fixed-width text table (rows: true label, columns: predicted). Widths
 * are terminal columns, so CJK and emoji labels line up.
 */
export function formatConfusionTable(m: ClassificationMetrics): string {
  const names = m.labels.map((l) => truncateColumns(l, 12));
  const cellWidth = Math.max(
    4,
    ...names.map(displayWidth),
    ...m.confusion.flat().map((v) => String(v).length),
  );
  const rowHead = Math.max('true \\ pred'.length, ...names.map(displayWidth));
  const lines = [
    `${'true \\ pred'.padEnd(rowHead)} ${names.map((l) => padStartColumns(l, cellWidth)).join(' ')}`,
  ];
  m.confusion.forEach((row, i) => {
    lines.push(
      `${padEndColumns(names[i] ?? '', rowHead)} ${row.map((v) => String(v).padStart(cellWidth)).join(' ')}`,
    );
  });
  return lines.join('\n');
}

/** The human summary printed by `hub eval` and at the end of `hub train`. */
export function formatMetrics(m: ClassificationMetrics, title = 'validation'): string {
  const lines = [
    `${title}: ${m.count} examples, accuracy ${pct(m.accuracy)} (95% interval ${pct(m.accuracyInterval.low)}–${pct(m.accuracyInterval.high)}, Wilson), macro-F1 ${m.macroF1.toFixed(3)}` +
      (m.logLoss === undefined ? '' : `, log-loss ${m.logLoss.toFixed(4)}`),
    `majority-class baseline ("${m.majorityBaseline.label}"): ${pct(m.majorityBaseline.accuracy)}`,
    '',
    `${'label'.padEnd(14)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'f1'.padStart(6)} ${'support'.padStart(7)}`,
    ...m.perClass.map(
      (c) =>
        `${padEndColumns(truncateColumns(c.label, 14), 14)} ${c.precision.toFixed(3).padStart(9)} ${c.recall.toFixed(3).padStart(7)} ${c.f1.toFixed(3).padStart(6)} ${String(c.support).padStart(7)}`,
    ),
    '',
    'confusion matrix (rows: true, columns: predicted)',
    formatConfusionTable(m),
  ];
  for (const w of m.warnings) {
    lines.push(`warning: ${w}`);
  }
  return `${lines.join('\n')}\n`;
}
