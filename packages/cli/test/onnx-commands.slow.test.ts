import {
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

import { ensureFixtures, mountSmallFilesystem, startTestRegistry, captureIo } from '@modelhub/testing';

import { parseNpy } from '../src/adapters/npy-writer.ts';
import { runCli } from '../src/program.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-cli-onnx-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
const fx = await ensureFixtures();
const rec = fx.models['ppocr-rec'].dir;
const cls = fx.models['ppocr-cls'].dir;

async function word(text: string): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${30 * text.length + 20}" height="48"><rect width="100%" height="100%" fill="white"/><text x="10" y="35" font-family="DejaVu Sans, sans-serif" font-size="29" fill="black">${text}</text></svg>`;
  const path = join(work, `${text}.png`);
  await writeFile(path, await sharp(Buffer.from(svg)).png().toBuffer());
  return path;
}

const global = ['--cache-dir', join(work, 'cache')];

describe('hub inspect / embed / predict on ONNX models', () => {
  it('inspect --json lists inputs, outputs, the chosen 200-d tap and preprocessing', async () => {
    const io = captureIo();
    expect(await runCli([...global, '--json', 'inspect', cls], io)).toBe(0);
    const doc = JSON.parse(io.out) as Record<string, unknown>;
    expect(doc['format']).toBe('onnx');
    expect(doc['chosen']).toMatchObject({ tensor: 'reshape2_0.tmp_0', dim: 200, pooling: 'none' });
    expect(doc['inputs']).toMatchObject([{ name: 'x', dtype: 'float32' }]);
    expect((doc['preprocess'] as { source: string }).source).toBe('preset:ppocr-cls');
  });

  it('inspect prints a readable summary marking the chosen tap', async () => {
    const io = captureIo();
    expect(await runCli([...global, 'inspect', rec], io)).toBe(0);
    expect(io.out).toMatch(/\*transpose_51\.tmp_0 {2}120-d, pooling mean/);
    expect(io.out).toMatch(/preprocessing {2}preset:ppocr-rec: bgr, resize fit_height 48×320 \(padded\)/);
  });

  it('embed writes a float32 [N,120] .npy and an index listing inputs, failures, tap and model', async () => {
    const files = [await word('hello'), await word('world'), join(work, 'missing.png'), await word('again')];
    const out = join(work, 'rec.npy');
    const io = captureIo();
    expect(
      await runCli([...global, '--quiet', 'embed', rec, ...files, '--out', out, '--batch-size', '2'], io),
    ).toBe(0);
    const { shape, data } = parseNpy(new Uint8Array(await readFile(out)));
    expect(shape).toEqual([3, 120]);
    expect(data.every(Number.isFinite)).toBe(true);
    const index = JSON.parse(await readFile(`${out}.index.json`, 'utf8')) as Record<string, unknown>;
    expect(index).toMatchObject({
      format: 'modelhub-embeddings',
      model: rec,
      shape: [3, 120],
      tap: {
        tensor: 'transpose_51.tmp_0',
        pooling: 'mean',
        dim: 120,
        runtime: 'onnx',
        // PaddleOCR rec pads every strip to 320 px: only the time steps covering the word are pooled
        mask: { rule: 'receptive-field-centre', axes: [{ axis: 1, input: 'width' }] },
      },
      inputs: [files[0], files[1], files[3]],
    });
    expect(index['maskRule']).toMatch(/position i counts when the centre \(i \+ 1\/2\) × stride/);
    expect(index['failures']).toMatchObject([{ input: files[2], code: 'INVALID_INPUT' }]);
    expect(io.err).toMatch(/skipped .*missing\.png/);
  });

  it('predict --json gives the original head’s top-k (cls: 0° first for upright text)', async () => {
    const io = captureIo();
    expect(await runCli([...global, '--json', 'predict', cls, await word('upright'), '--top', '2'], io)).toBe(
      0,
    );
    const doc = JSON.parse(io.out) as {
      predictions: Array<{ top: Array<{ index: number; score: number }> }>;
    };
    expect(doc.predictions[0]?.top.map((t) => t.index)).toEqual([0, 1]);
  });

  it('predict reads text with a recogniser', async () => {
    const io = captureIo();
    expect(await runCli([...global, 'predict', rec, await word('modelhub')], io)).toBe(0);
    expect(io.out).toMatch(/modelhub\.png: "modelhub" /);
  });

  it('predict fails with exit 1 when no input is readable', async () => {
    const io = captureIo();
    expect(await runCli([...global, 'predict', cls, join(work, 'nope.png')], io)).toBe(1);
    expect(io.err).toMatch(/error \[INVALID_INPUT\].*nope\.png/);
  });

  it('pulls a registry reference and names the model repo@commit', async () => {
    const registry = await startTestRegistry({ seed: true });
    try {
      const io = captureIo();
      const args = ['--endpoint', registry.url, '--cache-dir', join(work, 'pulled'), '--json'];
      expect(await runCli([...args, 'inspect', 'modelhub/ppocr-cls'], io)).toBe(0);
      const doc = JSON.parse(io.out) as { model: string; chosen: { tensor: string } };
      expect(doc.model).toMatch(/^modelhub\/ppocr-cls@[0-9a-f]{40}$/);
      expect(doc.chosen.tensor).toBe('reshape2_0.tmp_0');
    } finally {
      await registry.close();
    }
  });

  it('fails with exit 1 and a hint for a model without a classifier', async () => {
    const io = captureIo();
    expect(
      await runCli(
        [...global, 'embed', fx.models['ppocr-det'].dir, await word('x'), '--out', join(work, 'd.npy')],
        io,
      ),
    ).toBe(1);
    expect(io.err).toMatch(/error \[UNSUPPORTED_MODEL\].*no classifier layer/);
    expect(io.err).toMatch(/hint: .*--layer NAME/);
  });
});

describe('hub gc and derived data (edited graphs, load plans, feature vectors)', () => {
  const cache = join(work, 'gc-cache');
  const derived = join(cache, 'derived');
  const graphs = (): Promise<string[]> => readdir(join(derived, 'onnx-taps')).catch(() => []);
  const plans = (): Promise<string[]> => readdir(join(derived, 'onnx-plans')).catch(() => []);
  const embed = async (image: string): Promise<void> => {
    const out = join(work, 'gc.npy');
    expect(
      await runCli(['--cache-dir', cache, '--quiet', 'embed', rec, image, '--out', out], captureIo()),
    ).toBe(0);
  };
  /** Dates every file of every edited graph 40 days back, as if no load had used them since. */
  const age = async (): Promise<void> => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const graph of await graphs()) {
      for (const file of await readdir(join(derived, 'onnx-taps', graph))) {
        await utimes(join(derived, 'onnx-taps', graph, file), old, old);
      }
    }
  };
  const gc = async (
    ...args: string[]
  ): Promise<{ removedGraphs: number; freedBytes: number; removedPlans: number }> => {
    const io = captureIo();
    expect(await runCli(['--cache-dir', cache, '--json', 'gc', ...args], io)).toBe(0);
    return (
      JSON.parse(io.out) as {
        derived: { removedGraphs: number; freedBytes: number; removedPlans: number };
      }
    ).derived;
  };

  it('deletes the graphs no load used for --derived-days (30 by default), and their plans; a load remakes them', async () => {
    const image = await word('gc');
    await embed(image);
    const [graph] = await graphs();
    expect(graph).toBeDefined();
    expect(await plans()).toHaveLength(1);
    expect(await gc()).toEqual({ removedGraphs: 0, freedBytes: 0, removedPlans: 0, dir: derived });

    await age();
    const dry = await gc('--dry-run');
    expect(dry.removedGraphs).toBe(1);
    expect(await graphs()).toEqual([graph]);
    const done = await gc();
    expect(done).toMatchObject({ removedGraphs: 1, removedPlans: 1 });
    expect(done.freedBytes).toBeGreaterThan(1_000_000);
    expect(await graphs()).toEqual([]);
    expect(await plans()).toEqual([]);

    await embed(image);
    expect(await graphs()).toEqual([graph]);
  });

  it('keeps a graph a load used since, even when it was made long ago', async () => {
    const image = await word('kept');
    await embed(image);
    await age();
    await embed(image);
    expect(await gc()).toMatchObject({ removedGraphs: 0 });
    expect(await gc('--derived-days', '0')).toMatchObject({ removedGraphs: 1 });
  });

  it('deletes the feature vectors of backbone setups no hub train used for --derived-days; training again embeds anew', async () => {
    const data = join(work, 'gc-data');
    for (const [label, texts] of [
      ['left', ['ab', 'abc', 'abcd']],
      ['right', ['xy', 'xyz', 'wxyz']],
    ] as const) {
      await mkdir(join(data, label), { recursive: true });
      for (const text of texts) {
        await copyFile(await word(text), join(data, label, `${text}.png`));
      }
    }
    const train = async (): Promise<{ fromCache: number; embedded: number }> => {
      const io = captureIo();
      const args = ['train', '--base', rec, '--data', data, '--out', join(work, 'gc-head'), '--force'];
      expect(await runCli(['--cache-dir', cache, '--json', ...args], io)).toBe(0);
      return (JSON.parse(io.out) as { embedding: { fromCache: number; embedded: number } }).embedding;
    };
    const features = async (...args: string[]): Promise<Record<string, number>> => {
      const io = captureIo();
      expect(await runCli(['--cache-dir', cache, '--json', 'gc', ...args], io)).toBe(0);
      return (JSON.parse(io.out) as { features: Record<string, number> }).features;
    };
    expect(await train()).toEqual({ fromCache: 0, embedded: 6 });
    expect(await train()).toEqual({ fromCache: 6, embedded: 0 });
    expect(await features()).toMatchObject({ namespaces: 0, vectors: 0 });

    const dry = await features('--dry-run', '--derived-days', '0');
    expect(dry['namespaces']).toBeGreaterThan(1); // one per candidate (tap × pooling × padding)
    expect(dry['vectors']).toBe(6 * (dry['namespaces'] ?? 0));
    expect(await train()).toEqual({ fromCache: 6, embedded: 0 });

    const done = await features('--derived-days', '0');
    expect(done).toMatchObject({ namespaces: dry['namespaces'], vectors: dry['vectors'] });
    expect(done['fileBytesAfter']).toBeLessThan(done['fileBytesBefore'] ?? 0);
    expect(await train()).toEqual({ fromCache: 0, embedded: 6 });
  });

  it('hub eval and hub train on a feature cache that cannot be written: they read it, warn once and finish', async () => {
    const data = join(work, 'gc-data'); // made by the test above
    const head = join(work, 'gc-head');
    const fs = await mountSmallFilesystem(4 << 20);
    const features = join(cache, 'features');
    try {
      await cp(features, join(fs.dir, 'features'), { recursive: true });
      await rm(features, { recursive: true });
      await symlink(join(fs.dir, 'features'), features);
      await fs.setReadOnly(true);
      const evalIo = captureIo();
      expect(await runCli(['--cache-dir', cache, '--json', 'eval', head, '--data', data], evalIo)).toBe(0);
      const { metrics } = JSON.parse(evalIo.out) as { metrics: { accuracy: number } };
      expect(metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(evalIo.err.match(/warning: the feature cache .* cannot be written/g)).toHaveLength(1);
      const trainIo = captureIo();
      const args = ['train', '--base', rec, '--data', data, '--out', join(work, 'ro-head')];
      expect(await runCli(['--cache-dir', cache, '--json', ...args], trainIo)).toBe(0);
      expect(JSON.parse(trainIo.out)).toMatchObject({ embedding: { fromCache: 6, embedded: 0 } });
      expect(trainIo.err).toMatch(/warning: the feature cache .* cannot be written/);
    } finally {
      await rm(features, { force: true });
      await fs.close();
    }
  });

  it('refuses a --derived-days that is not a number of days, naming what it got', async () => {
    for (const days of ['soon', '-1', '']) {
      const io = captureIo();
      expect(await runCli(['--cache-dir', cache, 'gc', '--derived-days', days], io)).toBe(1);
      expect(io.err).toContain(`INVALID_ARGUMENT`);
      expect(io.err).toContain(`not "${days}"`);
    }
  });
});
