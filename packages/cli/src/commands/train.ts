import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Option, type Command } from 'commander';

import {
  ModelhubError,
  requireImageSpec,
  type FeatureExtractor,
  type FeatureTap,
  type InputSpec,
} from '@modelhub/core';
import {
  FeatureCache,
  assertFineTunable,
  buildTail,
  fineTuneOnDataset,
  planTail,
  preprocessedImageExtractor,
  useTrainingBackend,
  type FineTuneOnDatasetResult,
  type FineTuneSpec,
  type TailPlan,
  type TrainOnDatasetOptions,
  type TrainOnDatasetResult,
  formatEpoch,
  formatMetrics,
  headFiles,
  parseFineTune,
  emptyClassWarnings,
  scanDataset,
  trainOnDataset,
  writeHeadArtifact,
  type BaseModelPin,
  type ClassificationMetrics,
  type EpochRecord,
} from '@modelhub/trainer';

import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** A pulled backbone, loaded as a frozen feature extractor and pinned by commit and file hashes. */
export interface Backbone {
  readonly extractor: FeatureExtractor;
  readonly base: BaseModelPin;
  readonly format: FeatureTap['runtime'];
  /** The model folder (needed to train a TF.js layers backbone with --fine-tune). */
  readonly dir?: string;
}

/** How to pull and load a backbone (the CLI composes the client and the adapters). */
export interface BackboneOptions {
  /** Tap this tensor / layer instead of the one found automatically. */
  readonly layer?: string;
  /** Pool the tapped tensor this way (heads pin theirs). */
  readonly pooling?: FeatureTap['pooling'];
  /** Use this preprocessing instead of the one resolved from the model's files (heads pin theirs). */
  readonly preprocess?: InputSpec;
}

/** What `hub train` and `hub eval` need from the outside world; injected so tests stay real but small. */
export interface TrainerDeps {
  openBackbone(model: string, options: BackboneOptions): Promise<Backbone>;
  /** SQLite file of the feature cache. */
  readonly featureCachePath: string;
  /** Written into `modelhub.json` as `createdBy`. */
  readonly createdBy: string;
}

/** Options of `hub train`. */
export interface TrainOptions {
  readonly base: string;
  readonly data: string;
  readonly out: string;
  readonly head: 'linear' | 'mlp';
  readonly hidden: number;
  readonly fineTune: string;
  readonly epochs?: number;
  /** Images per Adam step of fine-tuning (default 16 for last:N, 4 for all). */
  readonly batchSize?: number;
  readonly seed: number;
  readonly valFraction: number;
  readonly l2?: number;
  readonly lr?: number;
  readonly classWeight: 'none' | 'balanced';
  readonly layer?: string;
  readonly skipBad: boolean;
  readonly force: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
  /** Print per-epoch and embedding progress on stderr (on a TTY by default). */
  readonly progress: boolean;
}

/** The `--json` document of `hub train`. */
export interface TrainReport {
  readonly out: string;
  readonly files: readonly string[];
  readonly base: { readonly repo: string; readonly commit: string; readonly endpoint: string };
  readonly feature: FeatureTap;
  readonly labels: readonly string[];
  readonly dataset: {
    readonly manifestSha256: string;
    readonly perClass: Readonly<Record<string, number>>;
    readonly train: number;
    readonly validation: number;
    readonly skipped: readonly string[];
    /** Class folders without a usable example (left out, with a warning). */
    readonly emptyLabels: readonly string[];
    /** Extra copies of identical images (one kept) and images filed under two labels (all dropped). */
    readonly duplicates: readonly string[];
    readonly conflicting: readonly string[];
  };
  readonly embedding: { readonly fromCache: number; readonly embedded: number };
  readonly training: Readonly<Record<string, unknown>>;
  readonly metrics: {
    readonly validation: ClassificationMetrics;
    readonly train: { readonly accuracy: number };
  };
  readonly fitMs: number;
  /** Option 2 only: what trained, and validation accuracy before and after fine-tuning. */
  readonly fineTune?: {
    readonly mode: string;
    readonly cutLayer: string;
    readonly trainedLayers: readonly string[];
    readonly accuracyBefore: number;
    readonly accuracyAfter: number;
  };
}

async function assertWritableOut(out: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch {
    return;
  }
  if (entries.length > 0 && !force) {
    throw new ModelhubError('CONFLICT', `${out} exists and is not empty`, {
      hint: 'Choose another --out folder, or pass --force to overwrite the head in it.',
      details: { out },
    });
  }
}

type TailModel = ReturnType<typeof buildTail>;

/** Layer names for one line: all of them when few, else the first and last two around a count. */
function summarizeLayers(names: readonly string[]): string {
  return names.length <= 6
    ? names.join(', ')
    : `${names.slice(0, 2).join(', ')}, … ${names.length - 4} more …, ${names.slice(-2).join(', ')}`;
}

/** The cut, the tail and an extractor of the activations at the cut, for `--fine-tune`. */
async function prepareFineTune(
  options: TrainOptions,
  deps: TrainerDeps,
  backbone: Backbone,
  spec: FineTuneSpec,
  io: Io,
): Promise<{ tail: TailModel; plan: TailPlan; extractor: FeatureExtractor }> {
  if (backbone.dir === undefined) {
    throw new ModelhubError(
      'INTERNAL',
      `the folder of ${backbone.extractor.modelId} is unknown, so it cannot be trained`,
    );
  }
  if (spec.mode === 'all' && !options.json && !options.quiet) {
    io.stderr(
      `warning: --fine-tune all trains every layer of ${backbone.extractor.modelId}: each epoch runs the whole network forward and backward on every image (about 1 s per 224² image on two cores for MobileNetV2), so expect minutes per epoch for a few hundred images. --fine-tune last:N reuses cached activations and is much faster.\n`,
    );
  }
  await useTrainingBackend();
  const { loadLayersModelFromDir } = await import('@modelhub/adapter-tfjs');
  const model = await loadLayersModelFromDir(backbone.dir);
  const plan = planTail(model, backbone.extractor.tap.tensor, spec);
  const tail = buildTail(model, plan);
  const cutDim = (tail.inputs[0]?.shape ?? []).slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  const extractor =
    model.getLayer(plan.cutLayer).getClassName() === 'InputLayer'
      ? preprocessedImageExtractor(
          backbone.extractor.modelId,
          plan.cutLayer,
          requireImageSpec(backbone.extractor.preprocess, '--fine-tune all'),
          cutDim,
        )
      : (await deps.openBackbone(options.base, { layer: plan.cutLayer, pooling: 'flatten' })).extractor;
  if (extractor.dim !== cutDim) {
    await extractor.dispose();
    throw new ModelhubError(
      'INTERNAL',
      `activations at ${plan.cutLayer} have ${extractor.dim} values, the tail expects ${cutDim}`,
    );
  }
  return { tail, plan, extractor };
}

/**
 * `hub train`: scan the dataset, pull and load the backbone, embed through the feature cache,
 * fit the head (Option 1) with a stratified split, and write the head artifact.
 */
export async function runTrain(options: TrainOptions, deps: TrainerDeps, io: Io): Promise<TrainReport> {
  const fineTune = parseFineTune(options.fineTune);
  await assertWritableOut(options.out, options.force);
  const dataset = await scanDataset(options.data, { skipBad: options.skipBad });
  if (!options.quiet) {
    for (const w of emptyClassWarnings(dataset)) {
      io.stderr(`warning: ${w}\n`);
    }
  }
  const backbone = await deps.openBackbone(
    options.base,
    options.layer === undefined ? {} : { layer: options.layer },
  );
  const cache = new FeatureCache(deps.featureCachePath);
  try {
    assertFineTunable(backbone.format, fineTune, backbone.extractor.modelId);
    const showProgress = options.progress && !options.json && !options.quiet;
    // Progress lines rewrite one line of the terminal; the last one stays when training ends.
    let open = false;
    const progress = (line: string, rewrite = false): void => {
      if (!showProgress) {
        return;
      }
      io.stderr(rewrite ? `\r${line}\x1b[K` : `${open ? '\n' : ''}${line}\n`);
      open = rewrite;
    };
    progress(
      `${dataset.items.length} images, ${dataset.labels.length} labels; features from ${backbone.extractor.modelId} (${backbone.extractor.tap.tensor}, ${backbone.extractor.dim}-d)`,
    );
    let lastShown = -1;
    const commonOptions: TrainOnDatasetOptions = {
      seed: options.seed,
      head: options.head,
      hidden: [options.hidden],
      validationFraction: options.valFraction,
      classWeighting: options.classWeight,
      cache,
      skipBad: options.skipBad,
      ...(options.l2 === undefined ? {} : { l2: options.l2 }),
      onEmbedProgress: (p) => {
        const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
        if (pct >= lastShown + 10 || p.done === p.total) {
          lastShown = pct;
          progress(`embedding ${p.done}/${p.total} (${p.fromCache} cached)`, p.done < p.total);
        }
      },
      onEpoch: (record: EpochRecord) => {
        // With --fine-tune, --epochs caps the fine-tuning epochs, not the warm-start head's.
        const max = fineTune.mode === 'none' ? options.epochs : undefined;
        progress(formatEpoch(record, max ?? (options.head === 'linear' ? 500 : 200)), true);
      },
    };
    let run: TrainOnDatasetResult;
    let tail: { model: TailModel; plan: TailPlan } | undefined;
    let fineTuned: FineTuneOnDatasetResult | undefined;
    let featureSource: FeatureExtractor = backbone.extractor;
    const opened: FeatureExtractor[] = [];
    try {
      if (fineTune.mode === 'none') {
        run = await trainOnDataset(dataset, backbone.extractor, {
          ...commonOptions,
          ...(options.epochs === undefined ? {} : { maxEpochs: options.epochs }),
          ...(options.lr === undefined ? {} : { learningRate: options.lr }),
        });
      } else {
        const prepared = await prepareFineTune(options, deps, backbone, fineTune, io);
        if (prepared.extractor !== backbone.extractor) {
          opened.push(prepared.extractor);
        }
        featureSource = prepared.extractor;
        tail = { model: prepared.tail, plan: prepared.plan };
        fineTuned = await fineTuneOnDataset(dataset, prepared.extractor, {
          ...commonOptions,
          ...(options.epochs === undefined ? {} : { fineTuneEpochs: options.epochs }),
          ...(options.lr === undefined ? {} : { fineTuneLearningRate: options.lr }),
          // `all` back-propagates through every activation of the full network: 4 images keep a step
          // well inside wasm's 4 GiB.
          fineTuneBatchSize: options.batchSize ?? (fineTune.mode === 'all' ? 4 : 16),
          onFineTuneEpoch: (record: EpochRecord) => {
            progress(`fine-tune ${formatEpoch(record, options.epochs ?? 20)}`, true);
          },
          tail: prepared.tail,
          plan: prepared.plan,
        });
        run = fineTuned;
      }
    } finally {
      for (const extra of opened) {
        await extra.dispose();
      }
    }
    if (open) {
      io.stderr('\n');
    }
    if (!options.quiet) {
      for (const w of run.embedding.warnings) {
        io.stderr(`warning: ${w}\n`);
      }
    }
    // Option 2 records what trained and how (cut, layers, learning rate, epochs) next to the mode.
    const fineTuneRecipe = run.head.recipe['fineTune'];
    const training = {
      fineTune:
        typeof fineTuneRecipe === 'object' && fineTuneRecipe !== null
          ? { mode: options.fineTune, ...fineTuneRecipe }
          : options.fineTune,
      split: {
        strategy: 'stratified',
        validationFraction: run.split.validationFraction,
        seed: run.split.seed,
        train: run.split.train.length,
        validation: run.split.validation.length,
      },
      dedupe: {
        duplicatesRemoved: run.dedupe.duplicates.length,
        conflictingRemoved: run.dedupe.conflicting.length,
      },
      trainer: { name: '@modelhub/trainer', version: '0.1.0' },
      runtime: { node: process.version },
    };
    await writeHeadArtifact({
      outDir: options.out,
      head: run.head,
      labels: run.labels,
      base: backbone.base,
      feature: featureSource.tap,
      preprocessing: featureSource.preprocess,
      ...(tail === undefined ? {} : { tail }),
      dataset: { manifestSha256: run.manifestSha256, perClass: run.perClass },
      training,
      validation: run.validation,
      extraMetrics: {
        train: { accuracy: run.train.accuracy, macroF1: run.train.macroF1, count: run.train.count },
      },
      createdBy: deps.createdBy,
    });
    const report: TrainReport = {
      out: options.out,
      files: Object.values(headFiles),
      base: { repo: backbone.base.repo, commit: backbone.base.commit, endpoint: backbone.base.endpoint },
      feature: featureSource.tap,
      labels: run.labels,
      dataset: {
        manifestSha256: run.manifestSha256,
        perClass: run.perClass,
        train: run.split.train.length,
        validation: run.split.validation.length,
        skipped: [...dataset.skipped.map((s) => s.path), ...run.embedding.skipped.map((s) => s.path)],
        emptyLabels: dataset.emptyLabels,
        duplicates: run.dedupe.duplicates,
        conflicting: run.dedupe.conflicting.map((c) => `${c.path} (${c.label})`),
      },
      embedding: { fromCache: run.embedding.fromCache, embedded: run.embedding.embedded },
      training: { ...run.head.recipe, ...training },
      metrics: { validation: run.validation, train: { accuracy: run.train.accuracy } },
      fitMs: Math.round(run.head.fitMs * 100) / 100,
      ...(fineTuned === undefined || tail === undefined
        ? {}
        : {
            fineTune: {
              mode: options.fineTune,
              cutLayer: tail.plan.cutLayer,
              trainedLayers: tail.plan.trainedLayers,
              accuracyBefore: fineTuned.before.accuracy,
              accuracyAfter: fineTuned.validation.accuracy,
            },
          }),
    };
    if (options.json) {
      io.stdout(`${JSON.stringify(report)}\n`);
    } else if (!options.quiet) {
      const skipped = report.dataset.skipped.length;
      io.stdout(
        `trained a ${run.head.type} head on ${run.split.train.length} images (${run.split.validation.length} held out for validation, seed ${run.split.seed})` +
          `; ${run.embedding.embedded} embedded, ${run.embedding.fromCache} from cache${skipped > 0 ? `, ${skipped} skipped` : ''}` +
          `; fit in ${report.fitMs.toFixed(0)} ms, stopped at epoch ${run.head.history.length} (${run.head.stopReason}, best ${run.head.bestEpoch})\n`,
      );
      if (run.dedupe.duplicates.length > 0) {
        io.stdout(
          `note: ${run.dedupe.duplicates.length} identical image(s) left out (one copy of each kept), so no image is on both sides of the split\n`,
        );
      }
      if (run.dedupe.conflicting.length > 0) {
        io.stdout(
          `warning: ${run.dedupe.conflicting.length} image(s) appear under more than one label and were left out: ${report.dataset.conflicting.slice(0, 5).join(', ')}${run.dedupe.conflicting.length > 5 ? ', …' : ''}\n`,
        );
      }
      if (report.fineTune !== undefined) {
        io.stdout(
          `fine-tuned ${report.fineTune.trainedLayers.length} layer(s) after ${report.fineTune.cutLayer} (${summarizeLayers(report.fineTune.trainedLayers)}): validation accuracy ${(100 * report.fineTune.accuracyBefore).toFixed(1)}% with the frozen backbone → ${(100 * report.fineTune.accuracyAfter).toFixed(1)}% fine-tuned\n`,
        );
      }
      io.stdout(formatMetrics(run.validation, 'validation'));
      io.stdout(`wrote ${options.out}: ${Object.values(headFiles).join(', ')}\n`);
    } else {
      io.stdout(`${options.out}\n`);
    }
    return report;
  } finally {
    cache.close();
    await backbone.extractor.dispose();
  }
}

function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new ModelhubError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
    }
    return n;
  };
}

function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) {
      throw new ModelhubError(
        'INVALID_ARGUMENT',
        `${name} must be an integer from 0 to 2^32-1, got ${value}`,
      );
    }
    return n;
  };
}

function positiveNumber(name: string, max = Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n >= 0 && n < max)) {
      throw new ModelhubError('INVALID_ARGUMENT', `${name} must be a number in [0, ${max}), got ${value}`);
    }
    return n;
  };
}

interface TrainFlags {
  base: string;
  data: string;
  out: string;
  head: 'linear' | 'mlp';
  hidden: number;
  fineTune: string;
  epochs?: number;
  batchSize?: number;
  seed: number;
  valFraction: number;
  l2?: number;
  lr?: number;
  classWeight: 'none' | 'balanced';
  layer?: string;
  skipBad?: boolean;
  force?: boolean;
  json?: boolean;
}

/** Builds the `hub train` registrar around a way to obtain its dependencies. */
export function trainCommand(deps: (globals: GlobalOptions) => TrainerDeps): CommandRegistrar {
  return (program: Command, io: Io) => {
    program
      .command('train')
      .description(
        'fit a new output head on your labelled images over a pretrained backbone (Option 1), optionally training its last layers too (Option 2, --fine-tune)',
      )
      .requiredOption('--base <model>', 'backbone to pull and cut, e.g. ppocr-rec or org/name@rev')
      .requiredOption(
        '--data <dir>',
        'class folders root/<label>/*.png|jpg|webp|txt|wav, a .csv/.jsonl manifest (path,label), or a .csv/.jsonl of texts (text,label)',
      )
      .requiredOption('--out <dir>', 'folder to write the head to (head.onnx, modelhub.json, README.md)')
      .addOption(
        new Option('--head <type>', 'softmax regression or a small MLP')
          .choices(['linear', 'mlp'])
          .default('linear'),
      )
      .option('--hidden <n>', 'hidden units of the MLP head', positiveInt('--hidden'), 128)
      .option('--fine-tune <mode>', 'none | last:N | all (Option 2; TF.js layers backbones only)', 'none')
      .option('--epochs <n>', 'maximum epochs (Adam) or iterations (L-BFGS)', positiveInt('--epochs'))
      .option(
        '--batch-size <n>',
        'images per step when fine-tuning (default 16 for last:N, 4 for all)',
        positiveInt('--batch-size'),
      )
      .option(
        '--seed <n>',
        'seed of the split, the initial weights and the batch order',
        nonNegativeInt('--seed'),
        42,
      )
      .option(
        '--val-fraction <f>',
        'share of each class held out for validation',
        positiveNumber('--val-fraction', 1),
        0.2,
      )
      .option('--l2 <x>', 'L2 penalty (default 1/n for linear, 1e-4 for mlp)', positiveNumber('--l2'))
      .option('--lr <x>', 'Adam learning rate (mlp)', positiveNumber('--lr'))
      .addOption(
        new Option('--class-weight <w>', 'weight classes by inverse frequency')
          .choices(['none', 'balanced'])
          .default('none'),
      )
      .option('--layer <name>', 'tap this tensor / layer instead of the one found automatically')
      .option('--skip-bad', 'leave unreadable examples (images, texts, clips) out instead of failing')
      .option('--force', 'overwrite a non-empty --out folder')
      .option('--json', 'print one JSON document on stdout')
      .action(async (flags: TrainFlags) => {
        const globals = program.opts<GlobalOptions>();
        await runTrain(
          {
            ...flags,
            skipBad: flags.skipBad === true,
            force: flags.force === true,
            json: flags.json === true || globals.json === true,
            quiet: globals.quiet === true,
            progress: process.stderr.isTTY,
          },
          deps(globals),
          io,
        );
      });
  };
}

/** Default feature-cache file under a cache root. */
export function featureCacheFile(cacheRoot: string): string {
  return join(cacheRoot, 'features', 'features.sqlite');
}
