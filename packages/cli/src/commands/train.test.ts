import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isModelhubError, type CandidateExtractor, type EmbedResult, type FeatureTap } from '@modelhub/core';
import { ensureFixtures } from '@modelhub/testing';
import {
  rawPixelExtractor,
  readHeadArtifact,
  scanDataset,
  subsetPerClass,
  tfidfExtractor,
} from '@modelhub/trainer';

import type { Io } from '../output/error-boundary.ts';
import { runEval } from './eval.ts';
import { runTrain, type TrainOptions, type TrainerDeps } from './train.ts';

function capture(): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (s: string) => {
      io.out += s;
    },
    stderr: (s: string) => {
      io.err += s;
    },
  };
  return io;
}

const pin = {
  endpoint: 'http://127.0.0.1:9/',
  repo: 'test/pixels',
  commit: '0123456789abcdef0123456789abcdef01234567',
  files: [
    {
      path: 'weights.bin',
      size: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    },
  ],
};

/** The raw-pixel extractor stands in for a pulled backbone: real decoding, no registry needed. */
function deps(work: string, format: FeatureTap['runtime'] = 'pixels', files = pin.files): TrainerDeps {
  return {
    featureCachePath: join(work, 'cache', 'features.sqlite'),
    createdBy: 'hub train (test)',
    openBackbone: () =>
      Promise.resolve({ extractor: rawPixelExtractor(28), base: { ...pin, files }, format }),
  };
}

/**
 * Two real candidate feature variants (28×28 and 14×14 pixels) computed together, standing in for a
 * backbone's candidate taps: the choice, the records and the fallbacks are what is tested here (the
 * ONNX candidates are tested on PaddleOCR in the slow suite).
 */
function pixelCandidates(): CandidateExtractor {
  const extractors = [rawPixelExtractor(28), rawPixelExtractor(14)];
  return {
    modelId: 'pixels/gray',
    variants: extractors.map((e) => ({ tap: e.tap, preprocess: e.preprocess })),
    embed: async (inputs) => {
      const results: EmbedResult[] = [];
      for (const e of extractors) {
        results.push(await e.embed(inputs));
      }
      return {
        vectors: inputs.map((_, i) => {
          const vs = results.map((r) => r.vectors[i]);
          return vs.every((v) => v !== undefined) ? vs : undefined;
        }),
        failures: results[0]?.failures ?? [],
      };
    },
    dispose: () => Promise.resolve(),
  };
}

function candidateDeps(work: string): TrainerDeps {
  return {
    ...deps(work),
    openCandidates: () => Promise.resolve({ candidates: pixelCandidates(), base: pin, format: 'pixels' }),
  };
}

let work: string;
let trainCsv: string;
let testCsv: string;

async function manifest(name: string, root: string, perClass: number): Promise<string> {
  const ds = subsetPerClass(await scanDataset(root), perClass, 3);
  const file = join(work, name);
  await writeFile(file, `path,label\n${ds.items.map((i) => `${i.path},${i.label}`).join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  const fx = await ensureFixtures();
  work = await mkdtemp(join(tmpdir(), 'cli-train-'));
  trainCsv = await manifest('train.csv', fx.digits.train, 10);
  testCsv = await manifest('test.csv', fx.digits.test, 20);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const options = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  base: 'pixels',
  data: trainCsv,
  out,
  head: 'linear',
  hidden: 32,
  fineTune: 'none',
  seed: 42,
  valFraction: 0.2,
  classWeight: 'none',
  skipBad: false,
  force: false,
  json: false,
  quiet: false,
  progress: true,
  ...extra,
});

/** Options without a hold-out: what `hub train` does by default for linear heads. */
const cvOptions = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => {
  const { valFraction: _valFraction, ...rest } = options(out, extra);
  return rest;
};

describe('hub train / hub eval', () => {
  it('trains, prints metrics and progress, writes the head, and reuses cached features', async () => {
    const io = capture();
    const out = join(work, 'head');
    const report = await runTrain(options(out), deps(work), io);
    expect(report.dataset).toMatchObject({ train: 80, validation: 20, duplicates: [], conflicting: [] });
    expect(report.embedding).toEqual({ fromCache: 0, embedded: 100 });
    expect(io.out).toMatch(/validation: 20 examples, accuracy [0-9.]+%/);
    expect(io.out).toMatch(/majority-class baseline/);
    expect(io.out).toMatch(/confusion matrix \(rows: true, columns: predicted\)/);
    expect(io.err).toMatch(/epoch\s+1\/500\s+loss [0-9.]+\s+val_loss/);
    const artifact = await readHeadArtifact(out);
    expect(artifact.manifest.training).toMatchObject({ seed: 42, split: { seed: 42, validation: 20 } });
    expect(await readFile(join(out, 'confusion-matrix.svg'), 'utf8')).toMatch(/^<svg/);

    // Same data, other hyper-parameters: nothing is embedded again; a busy --out needs --force.
    await expect(runTrain(options(out, { head: 'mlp' }), deps(work), capture())).rejects.toThrow(/not empty/);
    const json = capture();
    const again = await runTrain(options(out, { head: 'mlp', force: true, json: true }), deps(work), json);
    expect(again.embedding).toEqual({ fromCache: 100, embedded: 0 });
    expect(JSON.parse(json.out)).toMatchObject({ out, training: { head: 'mlp', hidden: [32] } });
    expect(json.err).toBe('');
  });

  it('evaluates a head on held-out data, as text and JSON, and saves the confusion picture', async () => {
    const out = join(work, 'head-eval');
    await runTrain(options(out, { quiet: true }), deps(work), capture());
    const io = capture();
    const svg = join(work, 'confusion.svg');
    const report = await runEval(
      { head: out, data: testCsv, confusionSvg: svg, skipBad: false, json: true, quiet: false },
      deps(work),
      io,
    );
    expect(report.metrics.count).toBe(200);
    expect(JSON.parse(io.out)).toMatchObject({ base: { repo: 'test/pixels' }, metrics: { count: 200 } });
    expect(report.metrics.accuracy).toBeGreaterThan(report.metrics.majorityBaseline.accuracy);
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg/);
    const text = capture();
    await runEval({ head: out, data: testCsv, skipBad: false, json: false, quiet: false }, deps(work), text);
    expect(text.out).toMatch(/per|precision/);
  });

  it('refuses a base model whose files changed since training', async () => {
    const out = join(work, 'head-pinned');
    await runTrain(options(out, { quiet: true }), deps(work), capture());
    const changed = [{ ...pin.files[0], path: 'weights.bin', size: 3, sha256: 'f'.repeat(64) }];
    const error = await runEval(
      { head: out, data: testCsv, skipBad: false, json: false, quiet: true },
      deps(work, 'pixels', changed),
      capture(),
    ).catch((e: unknown) => e);
    expect(isModelhubError(error) && error.code).toBe('INTEGRITY_MISMATCH');
  });

  it('explains why --fine-tune cannot train an ONNX backbone and suggests Option 1', async () => {
    const error = await runTrain(
      options(join(work, 'ft'), { fineTune: 'last:2' }),
      deps(work, 'onnx'),
      capture(),
    ).catch((e: unknown) => e);
    expect(isModelhubError(error) && error.code).toBe('UNSUPPORTED_MODEL');
    expect(String((error as Error).message)).toMatch(/no training API/);
    expect(isModelhubError(error) ? error.hint : '').toMatch(/Option 1/);
    await expect(
      runTrain(options(join(work, 'ft2'), { fineTune: 'some' }), deps(work), capture()),
    ).rejects.toThrow(/none, last:N/);
  });

  it('leaves identical images out before the split and names images filed under two labels', async () => {
    const rows = (await readFile(trainCsv, 'utf8')).trim().split('\n');
    const first = rows[1]?.split(',') ?? [];
    const second = rows[2]?.split(',') ?? [];
    const csv = join(work, 'dupes.csv');
    // One exact copy under the same label, one image also filed under another label.
    await writeFile(
      csv,
      `${rows.join('\n')}\n${first[0] ?? ''},${first[1] ?? ''}\n${second[0] ?? ''},${second[1] === '9' ? '8' : '9'}\n`,
    );
    const io = capture();
    const report = await runTrain(options(join(work, 'head-dupes'), { data: csv }), deps(work), io);
    expect(report.dataset.duplicates).toEqual([first[0]]);
    expect(report.dataset.conflicting).toHaveLength(2);
    expect(report.dataset.train + report.dataset.validation).toBe(99);
    expect(io.out).toMatch(/1 identical image\(s\) left out/);
    expect(io.out).toMatch(/2 image\(s\) appear under more than one label/);
  });

  it('chooses the features and C by 5-fold cross-validation on the training images, refits on all of them, and records every candidate', async () => {
    const io = capture();
    const out = join(work, 'head-cv');
    const report = await runTrain(cvOptions(out), candidateDeps(work), io);
    // no hold-out: every image trains the final head; the out-of-fold predictions are the estimate
    expect(report.dataset).toMatchObject({ train: 100, validation: 0 });
    const selection = report.selection;
    expect(selection?.k).toBe(5);
    expect(selection?.fallback).toBeUndefined();
    expect(selection?.candidates.map((c) => `${c.tap}/C${c.c}`)).toEqual([
      'pixels:gray-28/C0.1',
      'pixels:gray-28/C1',
      'pixels:gray-28/C10',
      'pixels:gray-14/C0.1',
      'pixels:gray-14/C1',
      'pixels:gray-14/C10',
    ]);
    for (const c of selection?.candidates ?? []) {
      expect(c.cvAccuracy).toBeGreaterThan(0.1);
      expect(c.ms).toBeGreaterThanOrEqual(0);
    }
    expect(report.feature.tensor).toBe(selection?.chosen.tap);
    expect(io.out).toMatch(
      /chose pixels:gray-\d+ · none · no padding · C=[0-9.]+ by 5-fold cross-validation on the training images over 6 candidate\(s\)/,
    );
    expect(io.out).toMatch(
      /5-fold cross-validation \(out of fold\): 100 examples, accuracy [0-9.]+% \(95% interval/,
    );
    const artifact = await readHeadArtifact(out);
    expect(artifact.manifest.training['selection']).toEqual(JSON.parse(JSON.stringify(selection)));
    expect(artifact.manifest.metrics['validationKind']).toBe('cross-validated');
    expect(artifact.manifest.head.normalize).toBe('l2');
    expect(artifact.normalize).toBe('l2');
    const card = await readFile(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/## How the features were chosen/);
    expect(card).toMatch(/\| `pixels:gray-14` \| none \| none \| 10 \| [0-9.]+% \|/);
    const json = capture();
    await runTrain(cvOptions(join(work, 'head-cv-json'), { json: true }), candidateDeps(work), json);
    expect(JSON.parse(json.out)).toMatchObject({
      selection: { k: 5, candidates: selection?.candidates.map(() => ({})) },
    });
  });

  it('is deterministic for a seed: the same choice, scores and head bytes', async () => {
    const a = join(work, 'det-a');
    const b = join(work, 'det-b');
    const ra = await runTrain(cvOptions(a, { seed: 7 }), candidateDeps(work), capture());
    const rb = await runTrain(cvOptions(b, { seed: 7 }), candidateDeps(work), capture());
    const strip = (r: typeof ra): unknown => r.selection?.candidates.map(({ ms: _ms, ...rest }) => rest);
    expect(strip(rb)).toEqual(strip(ra));
    expect(rb.selection?.chosen.index).toBe(ra.selection?.chosen.index);
    expect(await readFile(join(b, 'head.onnx'))).toEqual(await readFile(join(a, 'head.onnx')));
  });

  it('pins C and the tap when asked (the choice is then among what is left)', async () => {
    const report = await runTrain(
      cvOptions(join(work, 'head-pinned-c'), { c: 0.5, quiet: true }),
      candidateDeps(work),
      capture(),
    );
    expect(new Set(report.selection?.candidates.map((c) => c.c))).toEqual(new Set([0.5]));
    expect(report.selection?.chosen.c).toBe(0.5);
    await expect(
      runTrain(options(join(work, 'head-bad-c'), { c: 0 }), candidateDeps(work), capture()),
    ).rejects.toThrow(/--c must be a positive number/);
  });

  it('offers grid views by default, not with --no-grid-views nor with a pinned --tap', async () => {
    const asked: Array<boolean | undefined> = [];
    const recording: TrainerDeps = {
      ...deps(work),
      openCandidates: (_model, choices) => {
        asked.push(choices.gridViews);
        return Promise.resolve({ candidates: pixelCandidates(), base: pin, format: 'pixels' });
      },
    };
    await runTrain(cvOptions(join(work, 'head-views-default'), { quiet: true }), recording, capture());
    await runTrain(
      cvOptions(join(work, 'head-views-off'), { quiet: true, gridViews: false }),
      recording,
      capture(),
    );
    await runTrain(
      cvOptions(join(work, 'head-views-tap'), { quiet: true, layer: 'pixels' }),
      recording,
      capture(),
    );
    expect(asked).toEqual([true, false, false]);
  });

  it('still trains when a class has only 2 images (2-fold, said in the output) or 1 (no cross-validation, defaults)', async () => {
    const rows = (await readFile(trainCsv, 'utf8')).trim().split('\n');
    const [header, ...items] = rows;
    const seen = new Map<string, number>();
    const keep = (limit: number): string[] =>
      items.filter((row) => {
        const label = row.split(',')[1] ?? '';
        const n = (seen.get(label) ?? 0) + 1;
        seen.set(label, n);
        return label !== '3' || n <= limit;
      });
    const two = join(work, 'two-threes.csv');
    await writeFile(two, `${[header, ...keep(2)].join('\n')}\n`);
    seen.clear();
    const one = join(work, 'one-three.csv');
    await writeFile(one, `${[header, ...keep(1)].join('\n')}\n`);

    const io = capture();
    const r2 = await runTrain(cvOptions(join(work, 'head-two'), { data: two }), candidateDeps(work), io);
    expect(r2.selection?.k).toBe(2);
    expect(r2.dataset.perClass['3']).toBe(2);
    expect(io.out).toMatch(
      /note: class "3" has only 2 examples, so 2-fold cross-validation was used instead of 5-fold/,
    );
    expect(io.out).toMatch(/by 2-fold cross-validation/);

    const io1 = capture();
    const r1 = await runTrain(cvOptions(join(work, 'head-one'), { data: one }), candidateDeps(work), io1);
    expect(r1.selection).toMatchObject({ k: 1, candidates: [], chosen: { index: 0, c: 1 } });
    expect(io1.out).toMatch(/note: class "3" has only 1 example, so nothing could be cross-validated/);
    expect(io1.out).toMatch(/\(not cross-validated\)/);
    const artifact = await readHeadArtifact(join(work, 'head-one'));
    expect(artifact.manifest.training['selection']).toMatchObject({ k: 1 });
  });

  it('speaks of texts, not images, when the examples are texts (output and model card)', async () => {
    const texts = [
      ...[
        'meeting moved to noon',
        'notes from the call',
        'lunch on friday?',
        'draft of the report',
        'agenda for monday',
        'review my patch',
      ].map((t) => [t, 'ham']),
      ...[
        'cheap pills now',
        'win a free cruise',
        'cheap loans today',
        'free money now',
        'you won a prize',
        'cheap watches free',
      ].map((t) => [t, 'spam']),
    ];
    const csv = join(work, 'texts.csv');
    await writeFile(csv, `text,label\n${texts.map(([t, l]) => `${t},${l}`).join('\n')}\n`);
    // TF-IDF is a real text extractor that needs no model: the words of the output are tested here.
    const textDeps: TrainerDeps = {
      ...deps(work),
      openBackbone: () =>
        Promise.resolve({
          extractor: tfidfExtractor(texts.map(([t]) => t ?? '')),
          base: pin,
          format: 'pixels',
        }),
    };
    const io = capture();
    const out = join(work, 'head-texts');
    await runTrain(cvOptions(out, { data: csv }), textDeps, io);
    expect(io.out).toMatch(/trained a linear head on 12 texts \(no hold-out: refitted on all 12\)/);
    expect(io.out).toMatch(/cross-validation on the training texts over/);
    expect(io.err).toMatch(/12 texts, 2 labels/);
    expect(`${io.out}${io.err}`).not.toMatch(/image/);
    expect(await readFile(join(out, 'README.md'), 'utf8')).toMatch(
      /cross-validation on the training texts only/,
    );
  });

  it('names the files --skip-bad left out, with the reason, in train and eval', async () => {
    const broken = join(work, 'broken.png');
    await writeFile(broken, 'not an image');
    const csv = join(work, 'with-broken.csv');
    await writeFile(csv, `${(await readFile(trainCsv, 'utf8')).trim()}\n${broken},3\n`);
    const io = capture();
    const out = join(work, 'head-skip');
    const report = await runTrain(cvOptions(out, { data: csv, skipBad: true }), deps(work), io);
    expect(report.dataset.skipped).toEqual([broken]);
    expect(io.err).toContain(`warning: --skip-bad left out 1 unreadable example(s): ${broken} (`);
    const evalIo = capture();
    await runEval({ head: out, data: csv, skipBad: true, json: false, quiet: false }, deps(work), evalIo);
    expect(evalIo.err).toContain(`warning: --skip-bad left out 1 unreadable example(s): ${broken} (`);
  });

  it('says the model takes another kind of input when no example at all can be embedded', async () => {
    const csv = join(work, 'texts-for-pixels.csv');
    await writeFile(csv, 'text,label\nhello there,a\nhi again,a\ncheap pills,b\nfree money,b\n');
    // The raw-pixel extractor takes images only: every text fails, --skip-bad or not.
    for (const skipBad of [false, true]) {
      const error: unknown = await runTrain(
        cvOptions(join(work, `head-wrong-modality-${String(skipBad)}`), { data: csv, skipBad }),
        deps(work),
        capture(),
      ).catch((e: unknown) => e);
      expect(isModelhubError(error) && error.code).toBe('INVALID_DATASET');
      expect((error as Error).message).toMatch(/^None of the 4 example\(s\) could be embedded by /);
      expect(isModelhubError(error) && error.hint).toMatch(
        /hub inspect .* shows whether it takes images, texts or clips/,
      );
    }
  });
});
