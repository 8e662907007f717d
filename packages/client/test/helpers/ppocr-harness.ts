import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from 'vitest';

import { sha256 } from '@modelhub/core';
import { ensureFixtures, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { startFaultProxy, type FaultAction, type FaultProxy } from './fault-proxy.ts';

/** What the download-fault tests share; the getters are valid once `beforeAll` has run. */
export interface PpocrHarness {
  /** The seeded registry. */
  readonly registry: TestRegistry;
  /** A folder for this file's caches, removed at the end. */
  readonly scratch: string;
  /** The bytes of modelhub/ppocr-rec's model.onnx, as seeded. */
  readonly original: Buffer;
  /** A fault proxy in front of the registry, closed at the end. */
  readonly proxy: (
    plan: (req: { method: string; url: string; index: number }) => FaultAction,
  ) => Promise<FaultProxy>;
  /** A new, empty cache folder. */
  readonly freshCache: () => Promise<string>;
  /** Checks that `dir` (a snapshot) holds the original model.onnx. */
  readonly expectVerified: (dir: string) => Promise<void>;
  /** Everything under ppocr-rec's blobs/ for `endpoint` (no partial left behind, no unverified blob). */
  readonly blobNames: (cacheDir: string, endpoint: string) => Promise<string[]>;
}

/** True for a request of model.onnx's bytes (a resolve URL), the file the fault tests disturb. */
export function isModelDownload(url: string): boolean {
  return url.includes('/resolve/') && url.includes('model.onnx');
}

/**
 * Registers the set-up and tear-down of a test file that pulls PaddleOCR rec's model.onnx from a
 * real registry (through fault proxies): call it once at the top level of the file.
 */
export function usePpocrHarness(scratchPrefix: string): PpocrHarness {
  let registry: TestRegistry | undefined;
  let scratch: string | undefined;
  let original: Buffer | undefined;
  const proxies: FaultProxy[] = [];
  let caches = 0;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) {
      throw new Error('usePpocrHarness: used before beforeAll ran');
    }
    return value;
  };

  // Only the model these tests pull is imported: all fixture models took 7 s of the 10 s hook
  // budget vitest used to give on a loaded machine.
  beforeAll(async () => {
    registry = await startTestRegistry({ seed: ['ppocr-rec'] });
    scratch = await mkdtemp(join(tmpdir(), scratchPrefix));
    const fx = await ensureFixtures();
    original = await readFile(join(fx.models['ppocr-rec'].dir, 'model.onnx'));
  });

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await registry?.close();
    if (scratch !== undefined) {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  return {
    get registry() {
      return ready(registry);
    },
    get scratch() {
      return ready(scratch);
    },
    get original() {
      return ready(original);
    },
    proxy: async (plan) => {
      const p = await startFaultProxy(ready(registry).url, plan);
      proxies.push(p);
      return p;
    },
    freshCache: async () => {
      caches += 1;
      return mkdtemp(join(ready(scratch), `cache-${caches}-`));
    },
    expectVerified: async (dir) => {
      expect(sha256(await readFile(join(dir, 'model.onnx')))).toBe(sha256(ready(original)));
    },
    blobNames: async (cacheDir, endpoint) => {
      const host = new URL(endpoint).host.replace(':', '_');
      return readdir(join(cacheDir, host, 'models--modelhub--ppocr-rec', 'blobs')).catch(() => []);
    },
  };
}
