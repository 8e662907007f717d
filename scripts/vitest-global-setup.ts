// Builds the fixture models once, before any test worker starts, so parallel test files never race
// to build them (ensureFixtures() in a test then returns the finished folder at once). Imported by
// path: vitest loads global setup files without the "@modelhub/source" condition.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureFixtures } from '../packages/testing/src/fixtures/ensure-fixtures.ts';

export async function setup(): Promise<() => Promise<void>> {
  await ensureFixtures();
  // A test that pulls without naming a cache (a `hub` child inherits this environment) writes into a
  // folder of the run's own, never into the developer's ~/.cache/modelhub or a HUB_CACHE of theirs.
  // Tests that check where the cache goes by default pass their own environment.
  const cache = await mkdtemp(join(tmpdir(), 'modelhub-test-cache-'));
  process.env['HUB_CACHE'] = cache;
  return async () => {
    await rm(cache, { recursive: true, force: true });
  };
}
