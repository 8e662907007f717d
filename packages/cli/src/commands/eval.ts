import { writeFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { ModelhubError } from '@modelhub/core';
import {
  FeatureCache,
  confusionMatrixSvg,
  evaluateHead,
  formatMetrics,
  loadHeadClassifier,
  readHeadArtifact,
  emptyClassWarnings,
  scanDataset,
  type ClassificationMetrics,
} from '@modelhub/trainer';

import { resolveModel } from '../adapters/resolve-model.ts';
import { localBaseDir } from '../library/head-base.ts';
import { selfCheck, type HeadSelfCheck } from '../library/head-check.ts';
import type { Io } from '../output/error-boundary.ts';
import { skippedWarning } from '../output/skipped-warning.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';
import type { TrainerDeps } from './train.ts';

/** Options of `hub eval`. */
export interface EvalOptions {
  readonly head: string;
  readonly data: string;
  readonly confusionSvg?: string;
  readonly skipBad: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

/** The `--json` document of `hub eval`. */
export interface EvalReport {
  readonly head: string;
  readonly base: { readonly repo: string; readonly commit: string };
  readonly metrics: ClassificationMetrics;
  readonly unknownLabels: readonly string[];
  readonly skipped: readonly string[];
  /** Class folders without a usable example (left out, with a warning). */
  readonly emptyLabels: readonly string[];
  /** The head's self-check run here; absent when the head recorded none. */
  readonly selfCheck?: HeadSelfCheck;
}

/**
 * `hub eval HEAD --data DIR`: loads the head's pinned backbone (commit and every file's sha256 must
 * match), embeds the dataset through the feature cache and prints honest metrics.
 */
export async function runEval(options: EvalOptions, deps: TrainerDeps, io: Io): Promise<EvalReport> {
  const artifact = await readHeadArtifact(options.head);
  const { base, feature, preprocessing } = artifact.manifest;
  const dataset = await scanDataset(options.data, { skipBad: options.skipBad });
  if (!options.quiet) {
    for (const w of emptyClassWarnings(dataset)) {
      io.stderr(`warning: ${w}\n`);
    }
  }
  // The pinned base: the same registry and commit, or the same local folder.
  const model =
    localBaseDir(artifact.manifest) ?? `${base.endpoint.replace(/\/+$/, '')}/${base.repo}@${base.commit}`;
  const backbone = await deps.openBackbone(model, {
    layer: feature.tensor,
    pooling: feature.pooling,
    mask: feature.mask !== undefined,
    ...(feature.views === undefined ? {} : { views: feature.views }),
    preprocess: preprocessing,
  });
  const cache = new FeatureCache(deps.featureCachePath);
  try {
    if (backbone.base.commit !== base.commit) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `the head was trained on ${base.repo}@${base.commit} but ${backbone.base.repo}@${backbone.base.commit} was loaded`,
        { hint: 'Pull the pinned commit of the base model.' },
      );
    }
    const have = new Map(backbone.base.files.map((f) => [f.path, f.sha256]));
    const changed = base.files
      .filter((f) => have.has(f.path) && have.get(f.path) !== f.sha256)
      .map((f) => f.path);
    if (changed.length > 0) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `base model files differ from the ones the head was trained on: ${changed.join(', ')}`,
        { hint: 'Run `hub verify --repair` on the base model, or pull it again.', details: { changed } },
      );
    }
    const classifier = await loadHeadClassifier(options.head, backbone.extractor);
    // The metrics below are this machine's; the warning says why they may differ from training's.
    const check = await selfCheck(artifact.manifest, backbone.extractor, classifier);
    if (check?.warning !== undefined) {
      io.stderr(`warning: ${check.warning}\n`);
    }
    const result = await evaluateHead(classifier, backbone.extractor, dataset, {
      cache,
      skipBad: options.skipBad,
    });
    if (cache.warning !== undefined) {
      io.stderr(`warning: ${cache.warning}\n`);
    }
    if (result.metrics.count === 0) {
      throw new ModelhubError(
        'INVALID_DATASET',
        `no example in ${options.data} has a label the head knows (${classifier.labels.join(', ')})`,
        {
          hint: "Use class folders named like the head's labels.",
        },
      );
    }
    if (options.confusionSvg !== undefined) {
      await writeFile(
        options.confusionSvg,
        confusionMatrixSvg(result.metrics, `${options.head} on ${options.data}`),
      );
    }
    const report: EvalReport = {
      head: options.head,
      base: { repo: base.repo, commit: base.commit },
      metrics: result.metrics,
      unknownLabels: result.unknownLabels,
      skipped: [...dataset.skipped.map((s) => s.path), ...result.skipped.map((s) => s.path)],
      emptyLabels: dataset.emptyLabels,
      ...(check === undefined ? {} : { selfCheck: check }),
    };
    if (options.json) {
      io.stdout(`${JSON.stringify(report)}\n`);
    } else if (!options.quiet) {
      for (const w of result.warnings) {
        io.stderr(`warning: ${w}\n`);
      }
      io.stderr(
        skippedWarning([
          ...dataset.skipped,
          ...result.skipped.map((s) => ({ path: s.path, reason: s.message })),
        ]),
      );
      io.stdout(formatMetrics(result.metrics, `${options.data}`));
      if (result.unknownLabels.length > 0) {
        io.stdout(`warning: labels unknown to the head were left out: ${result.unknownLabels.join(', ')}\n`);
      }
      if (options.confusionSvg !== undefined) {
        io.stdout(`wrote ${options.confusionSvg}\n`);
      }
    } else {
      io.stdout(`${result.metrics.accuracy}\n`);
    }
    return report;
  } finally {
    cache.close();
    await backbone.extractor.dispose();
  }
}

/** Builds the `hub eval` registrar around a way to obtain its dependencies. */
export function evalCommand(deps: (globals: GlobalOptions) => TrainerDeps): CommandRegistrar {
  return (program: Command, io: Io) => {
    program
      .command('eval')
      .description(
        'score a trained head on a labelled dataset: accuracy, macro-F1, per-class metrics, confusion matrix',
      )
      .argument('<head>', 'head folder written by hub train, or its repository (namespace/name[@rev])')
      .requiredOption(
        '--data <dir>',
        'class folders root/<label>/*.png|jpg|webp|txt|wav, a .csv/.jsonl manifest (path,label), or a .csv/.jsonl of texts (text,label)',
      )
      .option('--confusion-svg <file>', 'also save the confusion matrix as an SVG picture')
      .option('--skip-bad', 'leave unreadable examples (images, texts, clips) out instead of failing')
      .option('--json', 'print one JSON document on stdout')
      .action(
        async (
          head: string,
          flags: { data: string; confusionSvg?: string; skipBad?: boolean; json?: boolean },
        ) => {
          const globals = program.opts<GlobalOptions>();
          // A registry reference is pulled (and verified) first; a folder is used as it is.
          const headDir = (await resolveModel(head, globals)).dir;
          await runEval(
            {
              head: headDir,
              data: flags.data,
              ...(flags.confusionSvg === undefined ? {} : { confusionSvg: flags.confusionSvg }),
              skipBad: flags.skipBad === true,
              json: flags.json === true || globals.json === true,
              quiet: globals.quiet === true,
            },
            deps(globals),
            io,
          );
        },
      );
  };
}
