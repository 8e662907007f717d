import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  PROBE_ID,
  PROBE_TOLERANCE,
  compareProbe,
  modalityOf,
  probeInput,
  probeRecord,
  type FeatureExtractor,
  type HeadManifest,
  type ProbeComparison,
  type ProbeRecord,
} from '@modelhub/core';
import { parseHeadManifest } from '@modelhub/core/schemas';
import type { HeadClassifier } from '@modelhub/trainer';

/** The outcome of a head's self-check where it was loaded. */
export interface HeadSelfCheck extends ProbeComparison {
  /** Set when the outputs differ from the recorded ones: what it means and what to do. */
  readonly warning?: string;
}

/** Runs the fixed probe input of the head's modality through its backbone and head. */
export async function runProbe(
  manifest: HeadManifest,
  extractor: FeatureExtractor,
  classifier: HeadClassifier,
): Promise<ProbeRecord | undefined> {
  const { vectors } = await extractor.embed([probeInput(modalityOf(manifest.preprocessing))]);
  const features = vectors[0];
  if (features === undefined) {
    return undefined;
  }
  const { probs } = await classifier.scoreFeatures(features, 1);
  return probeRecord(features, Array.from(probs));
}

/** A drift or tolerance as people read it: `20%`, `0.10%`. */
export const percent = (x: number): string => `${(100 * x).toPrecision(2)}%`;

/**
 * Compares the probe's outputs here with those the head recorded where it was trained. A head
 * without a record (made before the self-check existed), or with a probe of another version, is
 * not checked. The warning is the first complaint about transfer-learning tools: "the exported
 * model predicts differently" — a different resize, crop, colour order or tokenizer.
 */
export async function selfCheck(
  manifest: HeadManifest,
  extractor: FeatureExtractor,
  classifier: HeadClassifier,
): Promise<HeadSelfCheck | undefined> {
  const recorded = manifest.check;
  if (recorded?.probe !== PROBE_ID) {
    return undefined;
  }
  const now = await runProbe(manifest, extractor, classifier);
  if (now === undefined) {
    return undefined;
  }
  const comparison = compareProbe(recorded, now);
  if (comparison.same) {
    return comparison;
  }
  return {
    ...comparison,
    warning:
      `the head's self-check differs on this machine: its fixed probe input gives features ${percent(comparison.featureDrift)} ` +
      `away from those recorded where the head was trained, and probabilities up to ${comparison.probabilityDrift.toFixed(3)} apart ` +
      `(tolerance ${percent(PROBE_TOLERANCE)}). The backbone's preprocessing or runtime differs here (modelhub, onnxruntime, ` +
      'sharp or tokenizer version, or an edited modelhub.json), so predictions may not match the metrics the head reports.',
  };
}

/** Adds the probe record to a head's `modelhub.json` (validated again before it is written). */
export async function writeProbeRecord(headDir: string, record: ProbeRecord): Promise<HeadManifest> {
  const file = join(headDir, 'modelhub.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const manifest = parseHeadManifest({ ...json, check: record }, file);
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
