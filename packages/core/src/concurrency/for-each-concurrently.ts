/**
 * Runs `task(0)` … `task(count - 1)`, at most `concurrency` at a time, starting the indices in order
 * as slots free up. Batch work that waits on I/O (decoding images, reading and hashing files) uses
 * it and stores each result at its index, so the order tasks finish in does not matter.
 */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      await task(next++);
    }
  };
  const workers = Math.min(count, Math.max(1, Math.floor(concurrency)));
  await Promise.all(Array.from({ length: workers }, worker));
}
