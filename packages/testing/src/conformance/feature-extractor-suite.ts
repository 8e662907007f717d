import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isModelhubError } from '@modelhub/core';
import type { EmbedResult, FeatureExtractor } from '@modelhub/core';
import { preprocessSpecSchema } from '@modelhub/core/schemas';

/** The part of vitest's / node:test's `it` the suite needs. */
export type ItLike = (name: string, fn: () => Promise<void>, timeout?: number) => void;

export interface FeatureExtractorConformanceOptions {
  /** At least three readable, visibly different image files the model accepts. */
  readonly images: readonly string[];
  /** The documented feature length, when known. */
  readonly dim?: number;
  /** The documented tapped tensor / layer, when known. */
  readonly tensor?: string;
  /** Relative tolerance for "same image, same vector" across batches (default 1e-4). */
  readonly tolerance?: number;
  /** Per-test timeout in ms (default 60 s). */
  readonly timeout?: number;
  /** Register a cleanup hook (e.g. vitest `afterAll`) so the shared extractor is disposed. */
  readonly afterAll?: (fn: () => Promise<void>) => void;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i] ?? 0), Math.abs(b[i] ?? 0));
    diff = Math.max(diff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  }
  return diff / scale;
}

function vectorAt(result: EmbedResult, i: number): Float32Array {
  const v = result.vectors[i];
  assert.ok(
    v instanceof Float32Array,
    `input ${i} has no vector (failures: ${result.failures.map((f) => f.error.message).join('; ')})`,
  );
  return v;
}

/**
 * The behaviour every `FeatureExtractor` (ONNX, TF.js, …) must show: documented dims, finite
 * non-constant vectors, determinism, batch independence, per-input failures that name the file
 * without losing the rest of the batch, buffer inputs, and a disposal that sticks.
 * Call it inside a `describe` with the test framework's `it`.
 */
export function featureExtractorConformance(
  it: ItLike,
  factory: () => Promise<FeatureExtractor>,
  options: FeatureExtractorConformanceOptions,
): void {
  const timeout = options.timeout ?? 60_000;
  const tol = options.tolerance ?? 1e-4;
  const [a, b, c] = options.images;
  if (a === undefined || b === undefined || c === undefined) {
    throw new Error('featureExtractorConformance needs at least three images');
  }
  let shared: Promise<FeatureExtractor> | undefined;
  const extractor = (): Promise<FeatureExtractor> => (shared ??= factory());
  options.afterAll?.(async () => {
    if (shared !== undefined) {
      await (await shared).dispose();
    }
  });

  it(
    'describes itself: dim, tap and a valid resolved preprocessing spec',
    async () => {
      const fx = await extractor();
      assert.ok(Number.isInteger(fx.dim) && fx.dim > 0, `dim ${fx.dim}`);
      assert.equal(fx.tap.dim, fx.dim);
      assert.ok(fx.modelId.length > 0);
      if (options.dim !== undefined) {
        assert.equal(fx.dim, options.dim);
      }
      if (options.tensor !== undefined) {
        assert.equal(fx.tap.tensor, options.tensor);
      }
      assert.ok(
        preprocessSpecSchema().safeParse(fx.preprocess).success,
        'preprocess is a full PreprocessSpec',
      );
    },
    timeout,
  );

  it(
    'returns one finite, non-constant vector of length dim per input, different for different images',
    async () => {
      const fx = await extractor();
      const r = await fx.embed([a, b, c]);
      assert.deepEqual(r.failures, []);
      assert.equal(r.vectors.length, 3);
      const vs = [0, 1, 2].map((i) => vectorAt(r, i));
      for (const v of vs) {
        assert.equal(v.length, fx.dim);
        assert.ok(v.every(Number.isFinite), 'all values finite');
        assert.ok(
          v.some((x) => x !== v[0]),
          'not constant',
        );
      }
      assert.ok(
        maxRelDiff(vs[0] as Float32Array, vs[1] as Float32Array) > 1e-3,
        'different images, different vectors',
      );
    },
    timeout,
  );

  it(
    'is deterministic and batch-independent (alone, repeated, or inside a larger batch)',
    async () => {
      const fx = await extractor();
      const alone = vectorAt(await fx.embed([b]), 0);
      const again = vectorAt(await fx.embed([b]), 0);
      assert.ok(maxRelDiff(alone, again) <= 1e-6, 'same input twice gives the same vector');
      const batch = await fx.embed([a, b, c, b, a, c, a, b, c, a, b]);
      for (const i of [1, 3, 7, 10]) {
        assert.ok(maxRelDiff(alone, vectorAt(batch, i)) <= tol, `batch position ${i} matches the single run`);
      }
    },
    timeout,
  );

  it(
    'accepts encoded bytes as well as paths',
    async () => {
      const fx = await extractor();
      const r = await fx.embed([a, new Uint8Array(await readFile(a))]);
      assert.ok(maxRelDiff(vectorAt(r, 0), vectorAt(r, 1)) <= tol);
    },
    timeout,
  );

  it(
    'reports missing, non-image and corrupt inputs by name without losing the rest of the batch',
    async () => {
      const fx = await extractor();
      const dir = await mkdtemp(join(tmpdir(), 'modelhub-conformance-'));
      try {
        const missing = join(dir, 'missing.png');
        const text = join(dir, 'notes.txt');
        await writeFile(text, 'this is not an image\n');
        const corrupt = join(dir, 'truncated.png');
        const bytes = await readFile(a);
        await writeFile(corrupt, bytes.subarray(0, Math.floor(bytes.length / 3)));
        const clean = await fx.embed([a, b]);
        const r = await fx.embed([a, missing, text, b, corrupt]);
        assert.deepEqual(
          r.failures.map((f) => f.index),
          [1, 2, 4],
        );
        for (const f of r.failures) {
          assert.ok(isModelhubError(f.error), 'failures carry a ModelhubError');
          assert.equal(f.error.code, 'INVALID_INPUT');
          assert.match(
            f.error.message,
            new RegExp(
              [missing, text, corrupt][[1, 2, 4].indexOf(f.index)]?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') ??
                'x',
            ),
          );
        }
        assert.equal(r.vectors[1], undefined);
        assert.ok(maxRelDiff(vectorAt(r, 0), vectorAt(clean, 0)) <= tol);
        assert.ok(maxRelDiff(vectorAt(r, 3), vectorAt(clean, 1)) <= tol);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    timeout,
  );

  it(
    'embeds an empty batch as nothing',
    async () => {
      const fx = await extractor();
      const r = await fx.embed([]);
      assert.deepEqual(r, { vectors: [], failures: [] });
    },
    timeout,
  );

  it(
    'cannot be used after dispose (and dispose twice is harmless)',
    async () => {
      const fx = await factory();
      await fx.embed([a]);
      await fx.dispose();
      await fx.dispose();
      await assert.rejects(() => fx.embed([a]));
    },
    timeout,
  );
}
