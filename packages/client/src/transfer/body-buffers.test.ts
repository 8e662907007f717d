import { describe, expect, it } from 'vitest';

import { BodyBuffers } from './body-buffers.ts';

describe('BodyBuffers', () => {
  it('lends a buffer of exactly the asked size and lends the same memory again once given back', () => {
    const buffers = new BodyBuffers();
    const first = buffers.take(40_000);
    expect(first.byteLength).toBe(40_000);
    first.fill(1);
    buffers.give(first);
    const second = buffers.take(50_000); // same power-of-two class (64 KiB)
    expect(second.byteLength).toBe(50_000);
    expect(second.buffer).toBe(first.buffer);
    // Not given back: the next one is new memory.
    expect(buffers.take(50_000).buffer).not.toBe(first.buffer);
  });

  it('keeps size classes apart, and lends the newest buffer of a class first', () => {
    const buffers = new BodyBuffers();
    const small = buffers.take(20_000); // 32 KiB class
    const a = buffers.take(100_000); // 128 KiB class
    const b = buffers.take(100_000);
    buffers.give(small);
    buffers.give(a);
    buffers.give(b);
    expect(buffers.take(120_000).buffer).toBe(b.buffer);
    expect(buffers.take(120_000).buffer).toBe(a.buffer);
    expect(buffers.take(30_000).buffer).toBe(small.buffer);
  });

  it('does not pool tiny buffers, foreign buffers, or past its byte budget', () => {
    const buffers = new BodyBuffers(256 << 10);
    const tiny = buffers.take(1000);
    buffers.give(tiny);
    const next = buffers.take(1000); // from Node's shared pool: maybe the same slab, never the same bytes
    expect(next.buffer === tiny.buffer && next.byteOffset === tiny.byteOffset).toBe(false);
    const foreign = Buffer.alloc(64 << 10).subarray(10);
    buffers.give(foreign);
    expect(buffers.take(60_000).buffer).not.toBe(foreign.buffer);
    const kept = buffers.take(200_000); // 256 KiB: fills the budget
    const dropped = buffers.take(200_000);
    buffers.give(kept);
    buffers.give(dropped);
    expect(buffers.take(200_000).buffer).toBe(kept.buffer);
    expect(buffers.take(200_000).buffer).not.toBe(dropped.buffer);
  });
});
