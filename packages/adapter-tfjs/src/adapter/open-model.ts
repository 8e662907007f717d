import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError, requireImageSpec } from '@modelhub/core';
import type { AdapterOptions, PreprocessSpec } from '@modelhub/core';
import { resolvePreprocess } from '@modelhub/vision';

import { analyseTopology } from '../model/find-tap.ts';
import type { TopologyInfo } from '../model/find-tap.ts';
import { modelKind, readModelJson } from '../model/model-files.ts';
import type { TfjsModelJson } from '../model/model-files.ts';
import { toModelhubError } from '../model/to-modelhub-error.ts';

/** A model folder read far enough to plan inference: topology, tap and preprocessing. */
export interface OpenedModel {
  readonly json: TfjsModelJson;
  readonly topology: TopologyInfo;
  /** The tap to use (the user's `layer`, else the default). */
  readonly tap: string;
  readonly preprocess: PreprocessSpec;
  readonly warnings: string[];
  /** Class names by output index, when a config file lists them. */
  readonly labels: string[] | undefined;
}

async function readLabels(dir: string): Promise<string[] | undefined> {
  for (const [file, pick] of [
    ['modelhub.json', (j: Record<string, unknown>) => j['labels']],
    ['metadata.json', (j: Record<string, unknown>) => j['labels']],
    [
      'config.json',
      (j: Record<string, unknown>) => {
        const map = j['id2label'];
        return typeof map === 'object' && map !== null
          ? Object.entries(map)
              .sort((a, b) => Number(a[0]) - Number(b[0]))
              .map((e) => e[1] as unknown)
          : undefined;
      },
    ],
  ] as const) {
    try {
      const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
      const labels = pick(json);
      if (Array.isArray(labels) && labels.every((l) => typeof l === 'string')) {
        return labels;
      }
    } catch {
      // Absent or unreadable: labels are optional.
    }
  }
  return undefined;
}

/** Reads `model.json`, finds the tap and resolves preprocessing for a TF.js model folder. */
export async function openModel(
  modelDir: string,
  options: Pick<AdapterOptions, 'layer' | 'preprocess'>,
): Promise<OpenedModel> {
  let json: TfjsModelJson;
  try {
    json = await readModelJson(modelDir);
  } catch (error) {
    throw toModelhubError(error, modelDir);
  }
  const topology = analyseTopology(json, modelKind(json));
  const tap = options.layer ?? topology.defaultTap;
  if (tap === undefined) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `Cannot find the classifier head of the TF.js model in ${modelDir}`,
      {
        hint: `Name the layer to tap with --layer, e.g. one of: ${topology.otherCandidates.join(', ') || '(see hub inspect)'}.`,
        details: { modelDir },
      },
    );
  }
  if (!topology.names.has(tap)) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `The TF.js model in ${modelDir} has no ${topology.kind === 'layers' ? 'layer' : 'node'} "${tap}"`,
      {
        hint: `Use one of: ${[topology.defaultTap, ...topology.otherCandidates].filter((x) => x !== undefined).join(', ')}.`,
        details: { modelDir, layer: tap },
      },
    );
  }
  let preprocess: PreprocessSpec;
  let warnings: string[];
  if (options.preprocess === undefined) {
    ({ spec: preprocess, warnings } = await resolvePreprocess(modelDir, { inputShape: topology.inputShape }));
  } else {
    preprocess = requireImageSpec(options.preprocess, `The TF.js model in ${modelDir}`);
    warnings = [];
  }
  return { json, topology, tap, preprocess, warnings, labels: await readLabels(modelDir) };
}
