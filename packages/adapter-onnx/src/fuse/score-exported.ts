import { InferenceSession, Tensor } from 'onnxruntime-node';

import { loadAudio } from '@modelhub/audio';
import { ModelhubError, type ExportedFeed, type ExportedScores, type ModelInput } from '@modelhub/core';
import { idsMaskBatch, openTokenizer, tokenizeInputs } from '@modelhub/text';
import { decodeImage } from '@modelhub/vision';

import { sessionOptions } from '../session/session-options.ts';
import { idsMaskFeeds } from '../text/ids-mask-feeds.ts';

/**
 * Feeds for one input, as a user of the file must build them from its "modelhub.preprocessing":
 * the raw clip at the model's rate, the tokenizer's ids, or the decoded image and its real size.
 */
type FeedsOf = (input: ModelInput) => Promise<Record<string, Tensor>>;

async function feedBuilder(
  session: InferenceSession,
  feed: Extract<ExportedFeed, { kind: 'inputs' }>,
): Promise<FeedsOf> {
  const spec = feed.preprocess;
  if (spec.modality === 'audio') {
    return async (input) => {
      const audio = await loadAudio(input, spec.sampleRate);
      return { audio: new Tensor('float32', audio.samples, [1, audio.samples.length]) };
    };
  }
  if (spec.modality === 'text') {
    const tokenizer = await openTokenizer(feed.modelDir, spec);
    return async (input) => {
      const { ready, failures } = await tokenizeInputs([input], tokenizer);
      const tokens = ready[0]?.tokens;
      if (tokens === undefined) {
        throw failures[0]?.error ?? new ModelhubError('INVALID_INPUT', 'the text could not be tokenized.');
      }
      return idsMaskFeeds(session.inputNames, idsMaskBatch([tokens]));
    };
  }
  return async (input) => {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
      throw new ModelhubError('INVALID_INPUT', 'an image model takes image files, not text.');
    }
    const image = await decodeImage(input, spec);
    const feeds: Record<string, Tensor> = {};
    for (const name of session.inputNames) {
      feeds[name] =
        name === 'valid_size'
          ? new Tensor('float32', new Float32Array([image.valid.height, image.valid.width]), [1, 2])
          : new Tensor('float32', image.data, [1, ...image.dims]);
    }
    return feeds;
  };
}

/** One batch's `logits` and `probs`, split per row. */
function rowsOf(out: InferenceSession.OnnxValueMapType, rows: number): ExportedScores[] {
  const split = (name: string): Float32Array[] => {
    const data = out[name]?.data;
    if (!(data instanceof Float32Array)) {
      throw new ModelhubError('INTERNAL', `the exported model has no float "${name}" output.`);
    }
    const width = data.length / rows;
    return Array.from({ length: rows }, (_, r) => data.slice(r * width, (r + 1) * width));
  };
  const logits = split('logits');
  const probs = split('probs');
  return logits.map((l, r) => ({ logits: l, probs: probs[r] ?? new Float32Array() }));
}

/**
 * Runs an ONNX file `hub export` wrote, with plain onnxruntime, fed the way its metadata tells a
 * user to (the preprocessed image and its real size, the raw clip at the model's rate, the
 * tokenizer's ids, or the head's features), and returns each input's logits and probabilities.
 * Export checks the file with it before it lands, so a graph that computes something else is
 * never handed over.
 */
export async function scoreExported(model: Uint8Array, feed: ExportedFeed): Promise<ExportedScores[]> {
  const session = await InferenceSession.create(model, { ...sessionOptions, logSeverityLevel: 3 });
  try {
    if (feed.kind === 'features') {
      const dim = feed.features.length / feed.rows;
      const out = await session.run({ features: new Tensor('float32', feed.features, [feed.rows, dim]) });
      return rowsOf(out, feed.rows);
    }
    const feedsOf = await feedBuilder(session, feed);
    const results: ExportedScores[] = [];
    for (const input of feed.inputs) {
      results.push(...rowsOf(await session.run(await feedsOf(input)), 1));
    }
    return results;
  } finally {
    await session.release();
  }
}
