import { describe, expect, it } from 'vitest';

import { forEachConcurrently } from './for-each-concurrently.ts';

describe('forEachConcurrently', () => {
  it('runs every index once, never more than `concurrency` at a time, starting them in order', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const gates = Array.from({ length: 7 }, () => Promise.withResolvers<void>());
    const done = forEachConcurrently(7, 3, async (i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await gates[i]?.promise;
      running--;
    });
    // Finish the running tasks out of order, one event-loop turn apart.
    for (const i of [2, 1, 0, 5, 4, 3, 6]) {
      gates[i]?.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it('runs nothing for no items and at least one at a time for a concurrency below 1', async () => {
    const seen: number[] = [];
    await forEachConcurrently(0, 4, (i) => Promise.resolve(void seen.push(i)));
    await forEachConcurrently(3, 0, (i) => Promise.resolve(void seen.push(i)));
    expect(seen).toEqual([0, 1, 2]);
  });

  it('rejects with the error of a task that throws', async () => {
    await expect(
      forEachConcurrently(3, 2, (i) => (i === 1 ? Promise.reject(new Error('boom')) : Promise.resolve())),
    ).rejects.toThrow('boom');
  });
});
