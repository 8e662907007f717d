import { setTimeout as delay } from 'node:timers/promises';

import type pg from 'pg';

/** SQLSTATEs worth running the whole transaction again for. */
const retryable = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `work` in one transaction on a pooled connection: COMMIT when it resolves, ROLLBACK when it
 * throws. A serialization failure or a deadlock runs it again from the start (up to `attempts`
 * times, with a short jittered backoff), so `work` must be safe to repeat: it may only change the
 * database through `client`.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { attempts?: number; isolation?: 'READ COMMITTED' | 'SERIALIZABLE' } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${options.isolation ?? 'READ COMMITTED'}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection is gone (server restart, network); the pool must not reuse it.
        broken = true;
      }
      const state = sqlState(error);
      if (state === undefined || !retryable.has(state) || attempt >= attempts) {
        throw error;
      }
    } finally {
      client.release(broken);
    }
    await delay(Math.round(Math.random() * 10 * 2 ** attempt));
  }
}
