import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';

import { documentSchema } from '@modelhub/core';

/** The sidecar of a partial download: which byte ranges of `<id>.partial` are already written. */
export interface PartialState {
  version: 1;
  id: string;
  size: number;
  algo: 'sha256' | 'git-sha1';
  done: [number, number][];
}

const partialStateDocument = documentSchema((check, value): PartialState => {
  const doc = check.object(value, []);
  return {
    version: check.oneOf(doc['version'], ['version'], [1]),
    id: check.string(doc['id'], ['id']),
    size: check.count(doc['size'], ['size']),
    algo: check.oneOf(doc['algo'], ['algo'], ['sha256', 'git-sha1']),
    done: check.items(doc['done'], ['done'], (range, path): [number, number] => {
      const ends = check.items(range, path, (end, at) => check.count(end, at));
      if (ends.length !== 2) {
        check.fail(path, `expected a [start, end] pair, received ${ends.length} numbers`);
      }
      return [ends[0] ?? 0, ends[1] ?? 0];
    }),
  };
});

/** Merges and sorts `[start, end)` ranges, dropping empty ones. */
export function normalizeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = ranges.filter(([s, e]) => e > s).map(([s, e]): [number, number] => [s, e]);
  sorted.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last !== undefined && range[0] <= last[1]) {
      last[1] = Math.max(last[1], range[1]);
    } else {
      out.push(range);
    }
  }
  return out;
}

/** The ranges of `[0, size)` not covered by `done`. */
export function missingRanges(
  size: number,
  done: readonly (readonly [number, number])[],
): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (const [s, e] of normalizeRanges(done)) {
    if (s > at) {
      out.push([at, Math.min(s, size)]);
    }
    at = Math.max(at, e);
  }
  if (at < size) {
    out.push([at, size]);
  }
  return out.filter(([s, e]) => e > s);
}

/**
 * Loads a partial download's state if it belongs to the same blob (id, size, algorithm) and the
 * partial file still holds the bytes it claims; anything else is discarded by the caller. The bytes
 * themselves are validated by the full hash at the end, which covers every resumed byte.
 */
export async function loadPartialState(
  statePath: string,
  partialPath: string,
  expect: { id: string; size: number; algo: 'sha256' | 'git-sha1' },
): Promise<PartialState | undefined> {
  let state: PartialState;
  try {
    const parsed = partialStateDocument.safeParse(JSON.parse(await readFile(statePath, 'utf8')));
    if (!parsed.success) {
      return undefined;
    }
    state = parsed.data;
  } catch {
    return undefined;
  }
  if (state.id !== expect.id || state.size !== expect.size || state.algo !== expect.algo) {
    return undefined;
  }
  if (state.done.some(([s, e]) => e > state.size || s > e)) {
    return undefined;
  }
  // The partial file must hold every byte the state claims (it may be shorter than the blob: a
  // single-stream download is not pre-sized).
  const claimed = state.done.reduce((end, [, e]) => Math.max(end, e), 0);
  try {
    const size = (await stat(partialPath)).size;
    if (size < claimed || size > expect.size) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return { ...state, done: normalizeRanges(state.done) };
}

export async function savePartialState(statePath: string, state: PartialState): Promise<void> {
  const temp = `${statePath}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(state));
    await rename(temp, statePath);
  } catch (error) {
    // A full disk fails the write after the file exists: no stray temp file is left next to the blobs.
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

export async function removePartial(partialPath: string, statePath: string): Promise<void> {
  await unlink(statePath).catch(() => undefined);
  await unlink(partialPath).catch(() => undefined);
}
