import { describe, expect, it } from 'vitest';

import { classificationMetrics } from './classification-metrics.ts';
import { confusionMatrixSvg } from './confusion-svg.ts';
import { formatConfusionTable, formatMetrics } from './format-metrics.ts';

describe('classificationMetrics', () => {
  // truth: a a a a b b c ; pred: a a b a b c c
  const truth = [0, 0, 0, 0, 1, 1, 2];
  const pred = [0, 0, 1, 0, 1, 2, 2];
  const m = classificationMetrics(truth, pred, ['a', 'b', 'c']);

  it('computes accuracy, per-class P/R/F1, macro-F1 and the confusion matrix', () => {
    expect(m.accuracy).toBeCloseTo(5 / 7, 6);
    expect(m.confusion).toEqual([
      [3, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(m.perClass[0]).toMatchObject({ label: 'a', precision: 1, recall: 0.75, support: 4 });
    expect(m.perClass[1]).toMatchObject({ precision: 0.5, recall: 0.5, support: 2 });
    expect(m.perClass[2]).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
    const f1a = (2 * 0.75) / 1.75;
    const f1c = (2 * 0.5) / 1.5;
    expect(m.macroF1).toBeCloseTo((f1a + 0.5 + f1c) / 3, 5);
    expect(m.majorityBaseline).toEqual({ label: 'a', accuracy: 0.571429 });
    expect(m.warnings).toEqual([]);
  });

  it('warns when every prediction is one class', () => {
    const collapsed = classificationMetrics([0, 1, 2, 1], [1, 1, 1, 1], ['x', 'y', 'z']);
    expect(collapsed.warnings[0]).toMatch(/collapsed to one class/);
    expect(collapsed.perClass[0]?.precision).toBe(0);
  });

  it('warns when one class takes most predictions but little of the data', () => {
    const truth10 = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
    const nearly = classificationMetrics(truth10, [0, 0, 0, 0, 0, 0, 0, 0, 2, 1], ['x', 'y', 'z']);
    expect(nearly.warnings.join('\n')).toMatch(/close to collapsing/);
  });

  it('computes log-loss from probabilities', () => {
    const probs = Float32Array.from([0.5, 0.5, 0.25, 0.75]);
    const withLoss = classificationMetrics([0, 1], [0, 1], ['x', 'y'], probs);
    expect(withLoss.logLoss).toBeCloseTo(-(Math.log(0.5) + Math.log(0.75)) / 2, 5);
  });

  it('prints a table and an SVG picture', () => {
    const table = formatConfusionTable(m);
    expect(table.split('\n')).toHaveLength(4);
    expect(table.split('\n')[1]).toMatch(/^a\s+3\s+1\s+0$/);
    const text = formatMetrics(m);
    expect(text).toMatch(/accuracy 71\.4%/);
    expect(text).toMatch(/majority-class baseline \("a"\): 57\.1%/);
    const svg = confusionMatrixSvg({ ...m, labels: ['a<b', 'b', 'c'] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a&lt;b');
    expect(svg.match(/<rect /g)).toHaveLength(1 + 9);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
