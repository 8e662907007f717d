import { afterEach, describe, expect, it, vi } from 'vitest';

import { ProgressTracker, type PullEvent } from './progress-tracker.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressTracker', () => {
  it('counts resumed bytes as done but not as transferred in the rate', () => {
    vi.useFakeTimers();
    const start = 1_700_000_000_000;
    vi.setSystemTime(start);
    const events: Extract<PullEvent, { type: 'progress' }>[] = [];
    const tracker = new ProgressTracker((e) => (e.type === 'progress' ? events.push(e) : 0));
    tracker.setTotal(1000);
    tracker.start('model.onnx', 1000);
    tracker.add('model.onnx', 0);
    tracker.addResumed('model.onnx', 500);
    vi.setSystemTime(start + 1000);
    tracker.add('model.onnx', 100);
    const last = events.at(-1);
    expect(last?.bytes).toBe(600);
    expect(last?.files).toEqual([{ path: 'model.onnx', bytes: 600, total: 1000 }]);
    expect(last?.rate).toBe(100);
  });
});
