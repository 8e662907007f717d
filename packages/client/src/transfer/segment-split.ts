import type { Segment } from './sequential-hasher.ts';

/** Split points are rounded to this, so ranged requests start on aligned offsets. */
const ALIGN = 64 << 10;

/**
 * Work stealing for the tail of a parallel download: takes the second half of what the running
 * segment with the most bytes left still has to fetch, when each half would be at least
 * `minBytes`. The running segment's `end` moves back to the split point (its request stops there;
 * the bytes after it are not written twice) and the returned segment covers the rest, for an idle
 * connection. So one slow connection no longer holds up the end of a file: every idle connection
 * takes half of what is left, again and again. Returns undefined when nothing is worth splitting.
 */
export function splitLargest(running: Iterable<Segment>, minBytes: number): Segment | undefined {
  let largest: Segment | undefined;
  let most = 0;
  for (const segment of running) {
    const left = segment.end - segment.start - segment.written;
    if (left > most) {
      largest = segment;
      most = left;
    }
  }
  if (largest === undefined || most < 2 * Math.max(1, minBytes)) {
    return undefined;
  }
  const from = largest.start + largest.written;
  const mid = Math.ceil((from + most / 2) / ALIGN) * ALIGN;
  if (mid - from < minBytes || largest.end - mid < minBytes) {
    return undefined;
  }
  const stolen: Segment = { start: mid, end: largest.end, written: 0 };
  largest.end = mid;
  return stolen;
}
