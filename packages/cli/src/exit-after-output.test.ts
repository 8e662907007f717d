import { Writable } from 'node:stream';

import { describe, expect, it, vi } from 'vitest';

import { exitAfterOutput } from './exit-after-output.ts';

/** A stream whose writes complete only when `release()` is called, like a pipe nobody reads yet. */
function heldStream(): { stream: Writable; release(): void; written: string[] } {
  const written: string[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, callback) {
      pending.push(() => {
        written.push(chunk.toString());
        callback();
      });
    },
  });
  return { stream, written, release: () => pending.splice(0).forEach((f) => f()) };
}

describe('exitAfterOutput', () => {
  it('exits with the code only once everything already written has reached the stream', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const out = heldStream();
    out.stream.write('the whole result\n');
    const exiting = exitAfterOutput(3, [out.stream]);
    await new Promise((done) => setImmediate(done));
    expect(exit).not.toHaveBeenCalled();
    out.release();
    // The empty write queued behind the result completes after it.
    await new Promise((done) => setImmediate(done));
    out.release();
    await exiting;
    expect(out.written.join('')).toBe('the whole result\n');
    expect(exit).toHaveBeenCalledWith(3);
  });

  it('exits at once when nothing is pending, and with a destroyed stream', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const idle = heldStream();
    const broken = heldStream();
    broken.stream.destroy();
    await exitAfterOutput(0, [idle.stream, broken.stream]);
    expect(exit).toHaveBeenCalledWith(0);
  });
});
