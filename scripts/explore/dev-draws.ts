// The development side of issue 13: the cross-validated choice of `hub train` on draws that the
// benchmark (scripts/bench/trainer-quality.ts) never reports, so a lever can be judged here and
// only then measured there.
//
//   node scripts/explore/dev-draws.ts [--per-class 5] [--draws 30] [--seed0 900]
//                                     [--padding full,tight] [--dump-draws FILE] [--dump-features DIR]
//
// Protocol (DEVELOPERS.md, "Levers tried for the missing image points"): the pool is the fixture
// training digits 0–99 of each class, the test set the fixture training digits 100–199 of each
// class (the benchmark draws from 200–399 and tests on the fixture test set). Draw d takes
// --per-class digits per class with `subsetPerClass(pool, n, seed0 + d)`; the choice is made as
// `hub train` makes it (TRAIN_DEFAULTS, fold seed d). Prints each draw's accuracy and choice, then
// the mean and the accuracies as JSON, so two runs (or a run and an experiment in another tool on
// the same draws) can be compared draw by draw.
//
// --dump-draws writes, per seed, the drawn digits as row numbers (class × 200 + index) of the
// 2000 digits 0–199 of each class; --dump-features writes the flattened tap tensors of those 2000
// digits (float32, row-major, with a JSON header) for experiments outside the trainer.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

import type { Dataset, DatasetItem } from '@modelhub/trainer';

import { runFromSources } from '../bench/bench-kit.ts';

runFromSources(import.meta.filename);

const trainer = await import('@modelhub/trainer');
const { loadCandidateExtractor, loadFeatureExtractor } = await import('@modelhub/adapter-onnx');
const { ensureFixtures } = await import('@modelhub/testing');

const { values } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '5' },
    draws: { type: 'string', default: '30' },
    seed0: { type: 'string', default: '900' },
    'dump-draws': { type: 'string' },
    'dump-features': { type: 'string' },
    padding: { type: 'string' },
  },
});
const perClass = Number(values['per-class']);
const draws = Number(values.draws);
const seed0 = Number(values.seed0);

const fx = await ensureFixtures();
const recDir = fx.models['ppocr-rec'].dir;
const all = await trainer.scanDataset(fx.digits.train);
const byLabel = new Map<string, DatasetItem[]>();
for (const item of all.items) {
  byLabel.set(item.label, [...(byLabel.get(item.label) ?? []), item]);
}
const slice = (from: number, to: number): Dataset => ({
  ...all,
  items: [...byLabel.values()].flatMap((items) => items.slice(from, to)),
});
const pool = slice(0, 100);
const test = slice(100, 200);
/** Row of a digit among digits 0–199 of each class, in label order. */
const rowOf = (item: DatasetItem): number =>
  all.labels.indexOf(item.label) * 200 + (byLabel.get(item.label) ?? []).indexOf(item);

const work = await mkdtemp(join(tmpdir(), 'modelhub-dev-draws-'));
try {
  const cache = new trainer.FeatureCache(join(work, 'features.sqlite'));
  const candidates = await loadCandidateExtractor(recDir, {
    workDir: join(work, 'derived'),
    modelId: 'dev/rec',
    poolings: trainer.TRAIN_DEFAULTS.poolings,
    earlierTaps: trainer.TRAIN_DEFAULTS.earlierTaps,
    padding:
      values.padding === undefined
        ? trainer.TRAIN_DEFAULTS.padding
        : values.padding.split(',').map((p) => (p === 'tight' ? 'tight' : 'full')),
  });
  try {
    const testVectors = (await trainer.embedCandidates(test.items, candidates, { cache })).vectors;
    const accuracies: number[] = [];
    const drawn: Record<number, number[]> = {};
    for (let d = 0; d < draws; d++) {
      const seed = seed0 + d;
      const draw = trainer.subsetPerClass(pool, perClass, seed);
      drawn[seed] = draw.items.map(rowOf);
      const run = await trainer.trainWithSelection(draw, candidates, {
        seed: d,
        head: 'linear',
        cs: trainer.TRAIN_DEFAULTS.cs,
        maxFolds: trainer.TRAIN_DEFAULTS.maxFolds,
        normalize: trainer.TRAIN_DEFAULTS.normalize,
        scaling: trainer.TRAIN_DEFAULTS.scaling,
        validationFraction: 0,
        cache,
      });
      const chosen = run.selection.chosen;
      const index = new Map(run.labels.map((label, i) => [label, i]));
      const vectors = testVectors.map((v) => v?.[chosen.index] ?? new Float32Array(chosen.dim));
      const set = trainer.stackFeatures(
        vectors,
        test.items.map((item) => index.get(item.label) ?? -1),
        vectors.map((_, i) => i),
        chosen.dim,
      );
      const accuracy = trainer.scoreHead(run.head, set, run.labels).accuracy;
      accuracies.push(accuracy);
      console.log(
        `${seed} ${(accuracy * 100).toFixed(1)}% ${chosen.tap}${chosen.views === undefined ? '' : '+grid'}/${chosen.pooling}/${chosen.padding}/C${chosen.c}`,
      );
    }
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    console.log(`mean ${(mean * 100).toFixed(2)}% ${JSON.stringify(accuracies)}`);
    if (values['dump-draws'] !== undefined) {
      await writeFile(values['dump-draws'], JSON.stringify(drawn));
    }
  } finally {
    await candidates.dispose();
    cache.close();
  }

  const dumpDir = values['dump-features'];
  if (dumpDir !== undefined) {
    await mkdir(dumpDir, { recursive: true });
    const digits = slice(0, 200).items;
    const spec = candidates.variants.map((v) => v.preprocess);
    const image = spec.filter((p) => p.modality !== 'text' && p.modality !== 'audio');
    // The two views of the two-view experiment (DEVELOPERS.md): the automatic tap of the strip
    // padded to 320, and the backbone's last feature map (before the neck pools its height away)
    // of each digit padded only to its own width. A full-width backbone map would be ~1 GB.
    for (const [padding, layer, preprocess] of [
      ['full', 'transpose_51.tmp_0', image.find((p) => p.pad?.multiple === undefined)],
      ['tight', 'p2o.Add.231', image.find((p) => p.pad?.multiple !== undefined)],
    ] as const) {
      const extractor = await loadFeatureExtractor(recDir, {
        workDir: join(work, 'derived'),
        modelId: 'dev/rec',
        layer,
        pooling: 'flatten',
        mask: false,
        ...(preprocess === undefined ? {} : { preprocess }),
      });
      try {
        const { vectors } = await extractor.embed(digits.map((i) => i.path));
        // A tight tap is narrower than the extractor's traced (full-width) size.
        const dim = vectors.find((v) => v !== undefined)?.length ?? extractor.dim;
        const data = new Float32Array(vectors.length * dim);
        vectors.forEach((v, i) => data.set(v ?? new Float32Array(dim), i * dim));
        const name = `${padding}-${layer.replace(/[^A-Za-z0-9_]/g, '_')}`;
        await writeFile(join(dumpDir, `${name}.f32`), data);
        await writeFile(
          join(dumpDir, `${name}.json`),
          JSON.stringify({ layer, padding, rows: vectors.length, dim, labels: digits.map((i) => i.label) }),
        );
        console.log(`wrote ${basename(dumpDir)}/${name}.f32 (${vectors.length} × ${dim})`);
      } finally {
        await extractor.dispose();
      }
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
