import { describe, expect, it } from 'vitest';

import { createProgressBar, renderProgressLine } from './progress-bar.ts';

const progress = (bytes: number, total: number) =>
  ({ type: 'progress', bytes, total, rate: 1000, files: [{ path: 'model.onnx', bytes, total }] }) as const;

describe('progress bar', () => {
  it('draws one byte-weighted line on a TTY and clears it at the end', () => {
    let out = '';
    const bar = createProgressBar({ isTTY: true, columns: 100, write: (s: string) => (out += s) });
    bar.onEvent(progress(500, 1000));
    expect(out).toContain('50%');
    expect(out).toContain('model.onnx');
    bar.done();
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('prints nothing on a pipe', () => {
    let out = '';
    const bar = createProgressBar({ isTTY: false, write: (s: string) => (out += s) });
    bar.onEvent(progress(500, 1000));
    bar.done();
    expect(out).toBe('');
  });

  it('fits the terminal width and fills in proportion to bytes', () => {
    const line = renderProgressLine(250, 1000, 0, 'x', 60);
    expect(line.length).toBeLessThan(60);
    const inside = /\[([#-]+)\]/.exec(line)?.[1] ?? '';
    expect(inside.split('#').length - 1).toBe(Math.round(inside.length / 4));
  });
});
