import type { Writable } from 'node:stream';

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function written(stream: Writable): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) {
    return Promise.resolve();
  }
  return new Promise((done) => {
    // An empty write's callback runs after every earlier write (or with the stream's error).
    stream.write('', () => done());
  });
}

/**
 * Ends the `hub` process as soon as its command has returned and its output is written. Every
 * command awaits its own work (files renamed, locks released, the metadata store closed, sockets
 * closed), so nothing left in the event loop is needed: an idle keep-alive socket, a worker
 * thread's shutdown or a timer would only delay the exit, and a natural exit also tears the V8 heap
 * down page by page (after a 300-file pull: 440 system calls between the last line of output and
 * the end, 230 of them munmap; 160 with this). `process.exit` skips both; Node still writes the
 * module compile cache on this path.
 */
export async function exitAfterOutput(
  code: number,
  streams: readonly Writable[] = [process.stdout, process.stderr],
): Promise<never> {
  await Promise.all(streams.map(written));
  process.exit(code);
}
