import type { ClassificationMetrics } from './classification-metrics.ts';

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The confusion matrix as a standalone SVG picture: one cell per (true, predicted) pair, shaded by
 * the share of that true class, with counts written in, diagonal outlined.
 */
export function confusionMatrixSvg(m: ClassificationMetrics, title = 'Confusion matrix'): string {
  const c = m.labels.length;
  const cell = c <= 12 ? 44 : c <= 30 ? 26 : 16;
  const labelWidth = Math.min(160, 14 + 7 * Math.max(1, ...m.labels.map((l) => l.length)));
  const top = 56 + labelWidth;
  const left = 28 + labelWidth;
  const width = left + c * cell + 20;
  const height = top + c * cell + 20;
  const fontSize = Math.max(8, Math.min(13, cell / 3));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(title)} — accuracy ${(100 * m.accuracy).toFixed(1)}% (n=${m.count})</text>`,
    `<text x="${left + (c * cell) / 2}" y="40" font-size="12" text-anchor="middle">predicted</text>`,
    `<text x="14" y="${top + (c * cell) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${top + (c * cell) / 2})">true</text>`,
  ];
  m.labels.forEach((label, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(
      `<text x="${x}" y="${top - 6}" font-size="${fontSize}" text-anchor="start" transform="rotate(-60 ${x} ${top - 6})">${escapeXml(label)}</text>`,
    );
  });
  m.confusion.forEach((row, i) => {
    const support = row.reduce((a, b) => a + b, 0);
    const y = top + i * cell;
    parts.push(
      `<text x="${left - 6}" y="${y + cell / 2 + fontSize / 3}" font-size="${fontSize}" text-anchor="end">${escapeXml(m.labels[i] ?? '')}</text>`,
    );
    row.forEach((count, j) => {
      const share = support === 0 ? 0 : count / support;
      const shade = Math.round(255 - share * 200);
      const fill =
        i === j ? `rgb(${shade},${Math.round(255 - share * 120)},${shade})` : `rgb(255,${shade},${shade})`;
      const x = left + j * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="${i === j ? '#2a7a2a' : '#cccccc'}"/>`,
      );
      if (count > 0) {
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + fontSize / 3}" font-size="${fontSize}" text-anchor="middle" fill="${share > 0.6 ? '#ffffff' : '#000000'}">${count}</text>`,
        );
      }
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
