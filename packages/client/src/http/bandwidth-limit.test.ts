import { describe, expect, it } from 'vitest';

import { BandwidthLimit, MIN_BYTES_PER_SECOND, parseBandwidth } from './bandwidth-limit.ts';

// A clock the test moves by hand: the schedule is checked exactly, with no real waiting.
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('BandwidthLimit', () => {
  it('lets a burst through, then paces to the rate', () => {
    const c = clock();
    const limit = new BandwidthLimit(1_000_000, { burstBytes: 250_000, now: c.now });
    // 250 kB of burst go at full speed.
    expect(limit.take(125_000)).toBe(0);
    expect(limit.take(125_000)).toBe(0);
    // The next 100 kB are due 100 ms later at 1 MB/s.
    expect(limit.take(100_000)).toBe(100);
    c.advance(100);
    expect(limit.take(100_000)).toBe(100);
    expect(limit.bytes).toBe(450_000);
    expect(limit.pauses).toBe(2);
  });

  it('keeps the total at the rate across transfers that share it', () => {
    const c = clock();
    const limit = new BandwidthLimit(1_000_000, { burstBytes: 0, now: c.now });
    // Two connections each deliver 64 KiB every step and pause as told: the pair gets 1 MB/s.
    let elapsed = 0;
    for (let step = 0; step < 50; step += 1) {
      const waits = [limit.take(65_536), limit.take(65_536)];
      const wait = Math.max(...waits);
      c.advance(wait);
      elapsed += wait;
    }
    const rate = (limit.bytes / elapsed) * 1000;
    expect(rate).toBeGreaterThan(0.99e6);
    expect(rate).toBeLessThan(1.01e6);
  });

  it('does not save up idle time beyond the burst', () => {
    const c = clock();
    const limit = new BandwidthLimit(1_000_000, { burstBytes: 100_000, now: c.now });
    c.advance(60_000);
    expect(limit.take(100_000)).toBe(0);
    expect(limit.take(100_000)).toBe(100);
  });

  it('parses rates and refuses ones too low to keep transfers alive', () => {
    expect(parseBandwidth('10M').bytesPerSecond).toBe(10_000_000);
    expect(parseBandwidth('1.5MiB/s').bytesPerSecond).toBe(1.5 * 1024 * 1024);
    expect(parseBandwidth('500K').bytesPerSecond).toBe(500_000);
    expect(() => parseBandwidth('10')).toThrow(/at least 64 KiB\/s/);
    expect(() => new BandwidthLimit(MIN_BYTES_PER_SECOND - 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => parseBandwidth('fast')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
