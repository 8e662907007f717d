import { ModelhubError, describeViews, type FeatureExtractor, type ModelInput } from '@modelhub/core';

import { readHeadArtifact, type HeadArtifact } from '../artifact/read-head-artifact.ts';
import { forwardLayers, type HeadOutput } from '../fit/dense-layer.ts';
import { canonicalJson } from '../json/canonical-json.ts';

/** Top-k labels of one input. */
export interface HeadPrediction {
  readonly input: string;
  readonly top: ReadonlyArray<{ readonly label: string; readonly index: number; readonly score: number }>;
}

/** A head bound to the backbone extractor it was trained on. */
export interface HeadClassifier {
  readonly artifact: HeadArtifact;
  readonly labels: readonly string[];
  /**
   * Runs the head on feature vectors (row-major `[rows, dim]`). Synchronous, so only for heads
   * without a fine-tuned tail; {@link HeadClassifier.scoreFeatures} handles both.
   */
  predictFeatures(features: Float32Array, rows: number): HeadOutput;
  /** Runs the fine-tuned tail (when the head has one) and the head on feature vectors. */
  scoreFeatures(features: Float32Array, rows: number): Promise<HeadOutput>;
  /** Embeds the inputs and returns each one's top-k labels; unreadable inputs throw, naming them. */
  predict(inputs: readonly ModelInput[], options?: { readonly topK?: number }): Promise<HeadPrediction[]>;
}

/** Checks that an extractor produces the features a head expects (same tap, dim, preprocessing). */
export function assertExtractorMatches(artifact: HeadArtifact, extractor: FeatureExtractor): void {
  const want = artifact.manifest.feature;
  const problems: string[] = [];
  if (extractor.dim !== want.dim) {
    problems.push(`feature length ${extractor.dim}, the head expects ${want.dim}`);
  }
  // `avg` is the older name of `mean` over a feature map.
  const same = (p: string): string => (p === 'avg' ? 'mean' : p);
  if (extractor.tap.tensor !== want.tensor || same(extractor.tap.pooling) !== same(want.pooling)) {
    problems.push(
      `tap ${extractor.tap.tensor} (${extractor.tap.pooling}), the head was trained on ${want.tensor} (${want.pooling})`,
    );
  }
  if (canonicalJson(extractor.tap.views ?? null) !== canonicalJson(want.views ?? null)) {
    problems.push(
      `it joins ${extractor.tap.views === undefined ? 'no view' : `views${describeViews(extractor.tap)}`}, the head was trained on ${want.views === undefined ? 'the tap alone' : `views${describeViews(want)}`}`,
    );
  }
  if (canonicalJson(extractor.tap.mask ?? null) !== canonicalJson(want.mask ?? null)) {
    problems.push(
      want.mask === undefined
        ? 'it pools only the real image, the head was trained on every position'
        : 'it pools every position, the head was trained on the real image only',
    );
  }
  if (canonicalJson(extractor.preprocess) !== canonicalJson(artifact.manifest.preprocessing)) {
    problems.push('its preprocessing differs from the one recorded in the head');
  }
  if (problems.length > 0) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `${extractor.modelId} does not produce the features head ${artifact.dir} was trained on: ${problems.join('; ')}`,
      {
        hint: `Load ${artifact.manifest.base.repo}@${artifact.manifest.base.commit} with the tap and preprocessing from modelhub.json.`,
        details: { problems },
      },
    );
  }
}

/** Sorts one row of probabilities into its top-k labels. */
export function topK(
  probs: Float32Array,
  row: number,
  labels: readonly string[],
  k: number,
): HeadPrediction['top'] {
  const c = labels.length;
  return labels
    .map((label, index) => ({ label, index, score: probs[row * c + index] as number }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(1, k));
}

/**
 * Loads a head folder and binds it to a feature extractor of its base model (the CLI builds the
 * extractor from the manifest's pinned base, tap and preprocessing). The head runs in plain JS from
 * the weights in `head.onnx`.
 */
export async function loadHeadClassifier(
  headDir: string,
  extractor: FeatureExtractor,
): Promise<HeadClassifier> {
  const artifact = await readHeadArtifact(headDir);
  assertExtractorMatches(artifact, extractor);
  const tailSpec = artifact.manifest.tail;
  // TF.js only for a head with a fine-tuned tail: imported here, not at the top of the module.
  const tail =
    tailSpec === undefined
      ? undefined
      : await (await import('../fine-tune/tail-runner.ts')).openTail(headDir, tailSpec.modelFile);
  const predictFeatures = (features: Float32Array, rows: number): HeadOutput => {
    if (tail !== undefined) {
      throw new ModelhubError(
        'INVALID_ARGUMENT',
        `head ${headDir} has a fine-tuned tail: use scoreFeatures()`,
      );
    }
    return forwardLayers(artifact.layers, features, rows, artifact.normalize);
  };
  const scoreFeatures = (features: Float32Array, rows: number): Promise<HeadOutput> =>
    Promise.resolve(
      forwardLayers(
        artifact.layers,
        tail === undefined ? features : tail(features, rows),
        rows,
        artifact.normalize,
      ),
    );
  return {
    artifact,
    labels: artifact.labels,
    predictFeatures,
    scoreFeatures,
    async predict(inputs, options = {}) {
      const result = await extractor.embed(inputs);
      if (result.failures.length > 0) {
        throw new ModelhubError(
          'INVALID_INPUT',
          `cannot read ${result.failures.length} input(s):\n  ${result.failures.map((f) => `${f.input}: ${f.error.message}`).join('\n  ')}`,
          { details: { failures: result.failures.map((f) => f.input) } },
        );
      }
      const dim = artifact.manifest.feature.dim;
      const features = new Float32Array(inputs.length * dim);
      result.vectors.forEach((v, i) => {
        if (v !== undefined) {
          features.set(v, i * dim);
        }
      });
      const out = await scoreFeatures(features, inputs.length);
      return inputs.map((input, row) => ({
        input:
          typeof input === 'string'
            ? input
            : input instanceof Uint8Array
              ? `<buffer ${row}>`
              : (input.name ?? `<text ${row}>`),
        top: topK(out.probs, row, artifact.labels, options.topK ?? 5),
      }));
    },
  };
}

/** One-shot: load a head, predict the inputs' top-k labels. */
export async function predictWithHead(
  headDir: string,
  extractor: FeatureExtractor,
  inputs: readonly ModelInput[],
  options: { readonly topK?: number } = {},
): Promise<HeadPrediction[]> {
  const classifier = await loadHeadClassifier(headDir, extractor);
  return classifier.predict(inputs, options);
}
