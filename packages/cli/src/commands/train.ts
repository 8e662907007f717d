import { readdir } from 'node:fs/promises';

import { Option, type Command } from 'commander';

import {
  ModelhubError,
  exampleNoun,
  isPoolingName,
  modalityOf,
  poolingNames,
  requireImageSpec,
  type CandidateExtractor,
  type FeatureExtractor,
  type FeatureTap,
  type InputSpec,
  type PoolingName,
  type ProbeRecord,
} from '@modelhub/core';
import type * as FineTune from '@modelhub/trainer/fine-tune';
import {
  FeatureCache,
  assertFineTunable,
  preprocessedImageExtractor,
  type FineTuneOnDatasetResult,
  type FineTuneSpec,
  type TailPlan,
  type TrainOnDatasetResult,
  formatEpoch,
  formatMetrics,
  headFiles,
  parseFineTune,
  emptyClassWarnings,
  scanDataset,
  singleVariantCandidates,
  trainWithSelection,
  TRAIN_DEFAULTS,
  writeHeadArtifact,
  type SelectionReport,
  type TrainWithSelectionResult,
  type BaseModelPin,
  type ClassificationMetrics,
  type EpochRecord,
} from '@modelhub/trainer';

import { countOption } from '../context/count-option.ts';
import { writeProbeRecord } from '../library/head-check.ts';
import type { Io } from '../output/error-boundary.ts';
import { skippedWarning } from '../output/skipped-warning.ts';
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
  /** Pool only the real image when the preprocessing pads (default true; heads pin theirs). */
  readonly mask?: boolean;
  /** Use this preprocessing instead of the one resolved from the model's files (heads pin theirs). */
  readonly preprocess?: InputSpec;
}

/** A backbone opened with every candidate feature variant, for the cross-validated choice. */
export interface BackboneCandidates {
  readonly candidates: CandidateExtractor;
  readonly base: BaseModelPin;
  readonly format: FeatureTap['runtime'];
}

/** What to try when choosing features (`hub train` without --fine-tune). */
export interface CandidateChoices {
  readonly poolings: readonly PoolingName[];
  /** Feature tensors before the automatic tap to try too (0 with --tap). */
  readonly earlierTaps: number;
  readonly padding: ReadonlyArray<'full' | 'tight'>;
  /** Offer the automatic tap joined with a grid view of its map. */
  readonly gridViews: boolean;
  readonly layer?: string;
}

/** What `hub train` and `hub eval` need from the outside world; injected so tests stay real but small. */
export interface TrainerDeps {
  openBackbone(model: string, options: BackboneOptions): Promise<Backbone>;
  /**
   * Opens every candidate variant at once. Without it, `hub train` chooses only C, on the one
   * extractor `openBackbone` gives.
   */
  openCandidates?(model: string, choices: CandidateChoices): Promise<BackboneCandidates>;
  /** SQLite file of the feature cache. */
  readonly featureCachePath: string;
  /** Written into `modelhub.json` as `createdBy`. */
  readonly createdBy: string;
  /**
   * Loads the written head as `hub predict` will and runs the self-check's probe input through it;
   * its outputs go into `modelhub.json` (`check`). Without it, no self-check is recorded.
   */
  recordCheck?(headDir: string): Promise<ProbeRecord | undefined>;
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
  /** Held out before anything is chosen; default 0 for linear heads (cross-validation), 0.2 for MLPs. */
  readonly valFraction?: number;
  readonly l2?: number;
  readonly lr?: number;
  readonly classWeight: 'none' | 'balanced';
  /** Tap this tensor / layer (pins the tap; `--tap`, or its older name `--layer`). */
  readonly layer?: string;
  /** Pin the pooling. */
  readonly pooling?: PoolingName;
  /** Pin the L2 strength (scikit-learn's C). */
  readonly c?: number;
  /** Pin the padding: `full` (the preprocessing's size) or `tight` (each image only to its own size). */
  readonly padding?: 'full' | 'tight';
  /** Offer the automatic tap joined with a grid view of its map. @default true */
  readonly gridViews?: boolean;
  /** L2-normalize each feature vector in the head. @default 'l2' */
  readonly normalize?: 'l2' | 'none';
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
  /** Option 1: how the tap, pooling, padding and C were chosen, with every candidate's score. */
  readonly selection?: SelectionReport;
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

type TailModel = ReturnType<FineTuning['buildTail']>;

/** The TF.js part of the trainer, imported only when a command fine-tunes (Option 2). */
type FineTuning = typeof FineTune;

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
  const { useTrainingBackend, planTail, buildTail } = await import('@modelhub/trainer/fine-tune');
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

/** Rewrites one terminal line for progress (when shown); the last line stays. */
function progressPrinter(
  show: boolean,
  io: Io,
): { line: (text: string, rewrite?: boolean) => void; end: () => void } {
  let open = false;
  return {
    line: (text, rewrite = false) => {
      if (!show) {
        return;
      }
      io.stderr(rewrite ? `\r${text}\x1b[K` : `${open ? '\n' : ''}${text}\n`);
      open = rewrite;
    },
    end: () => {
      if (open) {
        io.stderr('\n');
        open = false;
      }
    },
  };
}

/** Embedding progress as a rewritten line, every 10% and at the end. */
function embedProgressLine(
  progress: ReturnType<typeof progressPrinter>,
): (p: { done: number; total: number; fromCache: number }) => void {
  let lastShown = -1;
  return (p) => {
    const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
    if (pct >= lastShown + 10 || p.done === p.total) {
      lastShown = pct;
      progress.line(`embedding ${p.done}/${p.total} (${p.fromCache} cached)`, p.done < p.total);
    }
  };
}

/** How the candidates were scored, in one line. */
function selectionLine(selection: SelectionReport, examples: string): string {
  const c = selection.chosen;
  const what = `${c.tap}${c.views === undefined ? '' : ` ${c.views}`} · ${c.pooling}${c.masked ? ' (masked)' : ''} · ${c.padding === 'tight' ? 'each image padded to its own width' : c.padding === 'full' ? 'full padding' : 'no padding'} · C=${c.c}`;
  if (selection.candidates.length === 0) {
    return `features: ${what} (not cross-validated)\n`;
  }
  return (
    `chose ${what} by ${selection.k}-fold cross-validation on the training ${examples} over ${selection.candidates.length} candidate(s) in ${(selection.ms / 1000).toFixed(1)} s` +
    ` (out-of-fold accuracy ${(100 * c.cvAccuracy).toFixed(1)}%, log-loss ${c.cvLogLoss.toFixed(3)})\n`
  );
}

/** The poolings, taps and paddings `hub train` tries unless pinned. */
function candidateChoices(options: TrainOptions): CandidateChoices {
  return {
    poolings: options.pooling === undefined ? TRAIN_DEFAULTS.poolings : [options.pooling],
    earlierTaps: options.layer === undefined ? TRAIN_DEFAULTS.earlierTaps : 0,
    padding: options.padding === undefined ? TRAIN_DEFAULTS.padding : [options.padding],
    // A pinned tap is that tap alone.
    gridViews: options.layer === undefined && (options.gridViews ?? TRAIN_DEFAULTS.gridViews),
    ...(options.layer === undefined ? {} : { layer: options.layer }),
  };
}

/** Option 1 with the cross-validated choice of tap, pooling, padding and C. */
async function trainOption1(
  options: TrainOptions,
  deps: TrainerDeps,
  dataset: Awaited<ReturnType<typeof scanDataset>>,
  cache: FeatureCache,
  progress: ReturnType<typeof progressPrinter>,
): Promise<{ run: TrainWithSelectionResult; base: BaseModelPin }> {
  const choices = candidateChoices(options);
  const opened: BackboneCandidates =
    deps.openCandidates === undefined
      ? await deps
          .openBackbone(options.base, {
            ...(options.layer === undefined ? {} : { layer: options.layer }),
            ...(options.pooling === undefined ? {} : { pooling: options.pooling }),
          })
          .then((b) => ({ candidates: singleVariantCandidates(b.extractor), base: b.base, format: b.format }))
      : await deps.openCandidates(options.base, choices);
  try {
    const first = opened.candidates.variants[0];
    progress.line(
      `${dataset.items.length} ${first === undefined ? 'example' : exampleNoun(modalityOf(first.preprocess))}s, ${dataset.labels.length} labels; features from ${opened.candidates.modelId} (${opened.candidates.variants.length} candidate feature variant(s), default ${first?.tap.tensor ?? '?'} ${first?.tap.dim ?? '?'}-d)`,
    );
    const run = await trainWithSelection(dataset, opened.candidates, {
      seed: options.seed,
      head: options.head,
      hidden: [options.hidden],
      classWeighting: options.classWeight,
      normalize: options.normalize ?? TRAIN_DEFAULTS.normalize,
      scaling: TRAIN_DEFAULTS.scaling,
      maxFolds: TRAIN_DEFAULTS.maxFolds,
      cs: options.c === undefined ? TRAIN_DEFAULTS.cs : [options.c],
      validationFraction: options.valFraction ?? (options.head === 'mlp' ? 0.2 : 0),
      cache,
      skipBad: options.skipBad,
      ...(options.head === 'mlp' && options.l2 !== undefined ? { l2: options.l2 } : {}),
      ...(options.epochs === undefined ? {} : { maxEpochs: options.epochs }),
      ...(options.lr === undefined ? {} : { learningRate: options.lr }),
      onEmbedProgress: embedProgressLine(progress),
      onEpoch: (record: EpochRecord) => {
        progress.line(formatEpoch(record, options.epochs ?? (options.head === 'linear' ? 500 : 200)), true);
      },
    });
    return { run, base: opened.base };
  } finally {
    await opened.candidates.dispose();
  }
}

/**
 * `hub train`: scan the dataset, pull and load the backbone, embed through the feature cache, and
 * fit the head: Option 1 chooses the tap, pooling, padding and C by cross-validation on the
 * training images (any of them can be pinned), then refits on all of them; Option 2
 * (`--fine-tune`) trains the backbone's last layers too. Writes the head artifact.
 */
export async function runTrain(options: TrainOptions, deps: TrainerDeps, io: Io): Promise<TrainReport> {
  const fineTune = parseFineTune(options.fineTune);
  await assertWritableOut(options.out, options.force);
  if (options.c !== undefined && !(options.c > 0)) {
    throw new ModelhubError('INVALID_ARGUMENT', `--c must be a positive number, got ${options.c}`, {
      hint: 'Larger C means weaker L2 regularisation; try 0.1, 1 or 10.',
    });
  }
  if (options.c !== undefined && options.head === 'mlp') {
    throw new ModelhubError('INVALID_ARGUMENT', '--c sets the L2 strength of the linear head', {
      hint: 'Use --l2 for the MLP head.',
    });
  }
  const dataset = await scanDataset(options.data, { skipBad: options.skipBad });
  if (!options.quiet) {
    for (const w of emptyClassWarnings(dataset)) {
      io.stderr(`warning: ${w}\n`);
    }
  }
  const progress = progressPrinter(options.progress && !options.json && !options.quiet, io);
  const cache = new FeatureCache(deps.featureCachePath);
  try {
    let run: TrainOnDatasetResult;
    let base: BaseModelPin;
    let feature: FeatureTap;
    let preprocessing: InputSpec;
    let selection: SelectionReport | undefined;
    let validationKind: TrainWithSelectionResult['validationKind'] = 'held-out';
    let tail: { model: TailModel; plan: TailPlan } | undefined;
    let fineTuned: FineTuneOnDatasetResult | undefined;
    if (fineTune.mode === 'none') {
      const option1 = await trainOption1(options, deps, dataset, cache, progress);
      run = option1.run;
      base = option1.base;
      feature = option1.run.variant.tap;
      preprocessing = option1.run.variant.preprocess;
      selection = option1.run.selection;
      validationKind = option1.run.validationKind;
    } else {
      const backbone = await deps.openBackbone(
        options.base,
        options.layer === undefined ? {} : { layer: options.layer },
      );
      const opened: FeatureExtractor[] = [];
      try {
        assertFineTunable(backbone.format, fineTune, backbone.extractor.modelId);
        progress.line(
          `${dataset.items.length} ${exampleNoun(modalityOf(backbone.extractor.preprocess))}s, ${dataset.labels.length} labels; features from ${backbone.extractor.modelId} (${backbone.extractor.tap.tensor}, ${backbone.extractor.dim}-d)`,
        );
        const prepared = await prepareFineTune(options, deps, backbone, fineTune, io);
        if (prepared.extractor !== backbone.extractor) {
          opened.push(prepared.extractor);
        }
        tail = { model: prepared.tail, plan: prepared.plan };
        const { fineTuneOnDataset } = await import('@modelhub/trainer/fine-tune');
        fineTuned = await fineTuneOnDataset(dataset, prepared.extractor, {
          seed: options.seed,
          head: options.head,
          hidden: [options.hidden],
          validationFraction: options.valFraction ?? 0.2,
          classWeighting: options.classWeight,
          cache,
          skipBad: options.skipBad,
          ...(options.l2 === undefined ? {} : { l2: options.l2 }),
          onEmbedProgress: embedProgressLine(progress),
          // --epochs caps the fine-tuning epochs, not the warm-start head's.
          onEpoch: (record: EpochRecord) => {
            progress.line(formatEpoch(record, options.head === 'linear' ? 500 : 200), true);
          },
          ...(options.epochs === undefined ? {} : { fineTuneEpochs: options.epochs }),
          ...(options.lr === undefined ? {} : { fineTuneLearningRate: options.lr }),
          // `all` back-propagates through every activation of the full network: 4 images keep a step
          // well inside wasm's 4 GiB.
          fineTuneBatchSize: options.batchSize ?? (fineTune.mode === 'all' ? 4 : 16),
          onFineTuneEpoch: (record: EpochRecord) => {
            progress.line(`fine-tune ${formatEpoch(record, options.epochs ?? 20)}`, true);
          },
          tail: prepared.tail,
          plan: prepared.plan,
        });
        run = fineTuned;
        base = backbone.base;
        feature = prepared.extractor.tap;
        preprocessing = prepared.extractor.preprocess;
      } finally {
        for (const extra of opened) {
          await extra.dispose();
        }
        await backbone.extractor.dispose();
      }
    }
    progress.end();
    if (!options.quiet) {
      for (const w of [...run.embedding.warnings, ...(cache.warning === undefined ? [] : [cache.warning])]) {
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
      validation: validationKind,
      ...(selection === undefined ? {} : { selection }),
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
      base,
      feature,
      preprocessing,
      ...(tail === undefined ? {} : { tail }),
      dataset: { manifestSha256: run.manifestSha256, perClass: run.perClass },
      training,
      validation: run.validation,
      extraMetrics: {
        validationKind,
        train: { accuracy: run.train.accuracy, macroF1: run.train.macroF1, count: run.train.count },
      },
      createdBy: deps.createdBy,
    });
    // Recorded through the path a later load takes, so the reference is what `hub predict` computes.
    // A head that cannot be loaded back here still is the head that was trained: it only lacks the check.
    const check = await deps.recordCheck?.(options.out).catch((error: unknown) => {
      if (!options.quiet) {
        io.stderr(
          `warning: no self-check recorded in the head: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
      return undefined;
    });
    if (check !== undefined) {
      await writeProbeRecord(options.out, check);
    }
    const report: TrainReport = {
      out: options.out,
      files: Object.values(headFiles),
      base: { repo: base.repo, commit: base.commit, endpoint: base.endpoint },
      feature,
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
      ...(selection === undefined ? {} : { selection }),
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
      const example = exampleNoun(modalityOf(preprocessing));
      const heldOut =
        run.split.validation.length > 0
          ? `${run.split.validation.length} held out for validation, seed ${run.split.seed}`
          : `no hold-out: refitted on all ${run.split.train.length}`;
      io.stdout(
        `trained a ${run.head.type} head on ${run.split.train.length} ${example}s (${heldOut})` +
          `; ${run.embedding.embedded} embedded, ${run.embedding.fromCache} from cache${skipped > 0 ? `, ${skipped} skipped` : ''}` +
          `; fit in ${report.fitMs.toFixed(0)} ms, stopped at epoch ${run.head.history.length} (${run.head.stopReason}${run.split.validation.length > 0 ? `, best ${run.head.bestEpoch}` : ''})\n`,
      );
      io.stderr(
        skippedWarning([
          ...dataset.skipped,
          ...run.embedding.skipped.map((s) => ({ path: s.path, reason: s.message })),
        ]),
      );
      if (selection !== undefined) {
        if (selection.fallback !== undefined) {
          io.stdout(`note: ${selection.fallback}\n`);
        }
        io.stdout(selectionLine(selection, `${example}s`));
      }
      if (run.dedupe.duplicates.length > 0) {
        io.stdout(
          `note: ${run.dedupe.duplicates.length} identical ${example}(s) left out (one copy of each kept), so none is on both sides of the split\n`,
        );
      }
      if (run.dedupe.conflicting.length > 0) {
        io.stdout(
          `warning: ${run.dedupe.conflicting.length} ${example}(s) appear under more than one label and were left out: ${report.dataset.conflicting.slice(0, 5).join(', ')}${run.dedupe.conflicting.length > 5 ? ', …' : ''}\n`,
        );
      }
      if (report.fineTune !== undefined) {
        io.stdout(
          `fine-tuned ${report.fineTune.trainedLayers.length} layer(s) after ${report.fineTune.cutLayer} (${summarizeLayers(report.fineTune.trainedLayers)}): validation accuracy ${(100 * report.fineTune.accuracyBefore).toFixed(1)}% with the frozen backbone → ${(100 * report.fineTune.accuracyAfter).toFixed(1)}% fine-tuned\n`,
        );
      }
      if (validationKind !== 'none') {
        io.stdout(
          formatMetrics(
            run.validation,
            validationKind === 'cross-validated'
              ? `${selection?.k ?? 0}-fold cross-validation (out of fold)`
              : 'validation',
          ),
        );
      }
      io.stdout(`wrote ${options.out}: ${Object.values(headFiles).join(', ')}\n`);
    } else {
      io.stdout(`${options.out}\n`);
    }
    return report;
  } finally {
    cache.close();
  }
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
  valFraction?: number;
  l2?: number;
  lr?: number;
  classWeight: 'none' | 'balanced';
  layer?: string;
  tap?: string;
  pooling?: string;
  c?: number;
  padding?: 'full' | 'tight';
  gridViews: boolean;
  normalize: 'l2' | 'none';
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
        'fit a new output head on your labelled images, texts or clips over a pretrained backbone (Option 1), optionally training its last layers too (Option 2, --fine-tune)',
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
      .option('--hidden <n>', 'hidden units of the MLP head', countOption('--hidden'), 128)
      .option('--fine-tune <mode>', 'none | last:N | all (Option 2; TF.js layers backbones only)', 'none')
      .option('--epochs <n>', 'maximum epochs (Adam) or iterations (L-BFGS)', countOption('--epochs'))
      .option(
        '--batch-size <n>',
        'images per step when fine-tuning (default 16 for last:N, 4 for all)',
        countOption('--batch-size'),
      )
      .option(
        '--seed <n>',
        'seed of the split, the initial weights and the batch order',
        nonNegativeInt('--seed'),
        42,
      )
      .option(
        '--val-fraction <f>',
        'share of each class held out and scored at the end (default 0 for linear heads: the cross-validated scores are the estimate; 0.2 for mlp)',
        positiveNumber('--val-fraction', 1),
      )
      .option('--tap <name>', 'pin the tapped tensor / layer (default: chosen by cross-validation)')
      .addOption(
        new Option('--pooling <p>', 'pin the pooling (default: chosen among mean, max, meanmax)').choices([
          ...poolingNames,
        ]),
      )
      .option(
        '--c <x>',
        'pin the L2 strength as scikit-learn’s C (default: chosen among 0.1, 1, 10)',
        positiveNumber('--c'),
      )
      .addOption(
        new Option(
          '--padding <p>',
          'padding of models with a free input size: full (the preprocessing’s size, the default) or tight (each image only to its own size, faster, usually less accurate)',
        ).choices(['full', 'tight']),
      )
      .option(
        '--no-grid-views',
        'do not offer the automatic tap joined with a grid view of the feature map it pools (never offered with --tap)',
      )
      .addOption(
        new Option('--normalize <n>', 'scale each feature vector to unit length in the head')
          .choices(['l2', 'none'])
          .default('l2'),
      )
      .option('--l2 <x>', 'L2 penalty of the mlp head (default 1e-4)', positiveNumber('--l2'))
      .option('--lr <x>', 'Adam learning rate (mlp)', positiveNumber('--lr'))
      .addOption(
        new Option('--class-weight <w>', 'weight classes by inverse frequency')
          .choices(['none', 'balanced'])
          .default('none'),
      )
      .addOption(new Option('--layer <name>', 'older name of --tap').hideHelp())
      .option('--skip-bad', 'leave unreadable examples (images, texts, clips) out instead of failing')
      .option('--force', 'overwrite a non-empty --out folder')
      .option('--json', 'print one JSON document on stdout')
      .action(async (flags: TrainFlags) => {
        const globals = program.opts<GlobalOptions>();
        const { tap, pooling, ...rest } = flags;
        const layer = tap ?? flags.layer;
        await runTrain(
          {
            ...rest,
            ...(layer === undefined ? {} : { layer }),
            ...(pooling !== undefined && isPoolingName(pooling) ? { pooling } : {}),
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
