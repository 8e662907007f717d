// Builds the fixture models once, before any test worker starts, so parallel test files never race
// to build them (ensureFixtures() in a test then returns the finished folder at once). Imported by
// path: vitest loads global setup files without the "@modelhub/source" condition.
import { ensureFixtures } from '../packages/testing/src/fixtures/ensure-fixtures.ts';

export async function setup(): Promise<void> {
  await ensureFixtures();
}
