import type { InferenceSession } from 'onnxruntime-node';

import { ModelhubError, poolFeatures, pooledDim } from '@modelhub/core';
import type {
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ModelInput,
  PoolingName,
  TextSpec,
} from '@modelhub/core';
import {
  idsMaskBatch,
  openTokenizer,
  tokenizeInputs,
  TruncationWarning,
  type TextTokenizer,
  type TokenizedText,
} from '@modelhub/text';

import type { LoadedOnnx } from '../model-dir/load-onnx.ts';
import { createSession } from '../session/create-session.ts';
import { idsMaskFeeds } from './ids-mask-feeds.ts';

/** Poolings that make sense over the tokens of a text. */
export type TokenPooling = Extract<PoolingName, 'mean' | 'max' | 'meanmax' | 'cls'>;

/** Texts per `session.run`. */
const TEXT_BATCH = 16;

/** The contract line `hub inspect` shows for a text spec. */
export function textContract(spec: TextSpec): string {
  return (
    `texts: .txt files (UTF-8, one example per file), their bytes, or { text } values → ${spec.tokenizer.kind} ids (${spec.tokenizer.file}), ` +
    `at most ${spec.maxTokens} tokens (longer texts are cut at the end, with a warning)`
  );
}

/** The graph output holding one vector per token: `last_hidden_state`, else the first rank-3 output. */
export function tokenOutput(loaded: LoadedOnnx): string {
  const named = loaded.outputs.find((o) => o.name === 'last_hidden_state');
  const rank3 = loaded.outputs.find((o) => o.dims?.length === 3);
  const chosen = named ?? rank3;
  if (chosen === undefined) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${loaded.modelPath} has no per-token output (last_hidden_state [N, T, D]) to pool.`,
      { hint: 'Export the encoder with its last_hidden_state output (as transformers.js models are).' },
    );
  }
  return chosen.name;
}

/**
 * A Hugging Face–layout text encoder (`tokenizer.json` + `onnx/model.onnx` taking `input_ids`,
 * `attention_mask` and maybe `token_type_ids`): texts are tokenized with `@huggingface/tokenizers`,
 * padded per batch, run, and `last_hidden_state` is pooled over the real tokens only (the
 * attention mask), by core's shared pooling.
 */
export class TextFeatureExtractor implements FeatureExtractor {
  readonly modelId: string;
  readonly dim: number;
  readonly tap: FeatureTap;
  readonly preprocess: TextSpec;
  private readonly session: InferenceSession;
  private readonly tokenizer: TextTokenizer;
  private readonly pooling: TokenPooling;
  private readonly output: string;
  private readonly truncation: TruncationWarning;
  private disposed = false;

  private constructor(
    modelId: string,
    spec: TextSpec,
    session: InferenceSession,
    tokenizer: TextTokenizer,
    pooling: TokenPooling,
    output: string,
    hidden: number,
  ) {
    this.modelId = modelId;
    this.preprocess = spec;
    this.session = session;
    this.tokenizer = tokenizer;
    this.truncation = new TruncationWarning(tokenizer.maxTokens, modelId);
    this.pooling = pooling;
    this.output = output;
    this.dim = pooledDim([1, 1, hidden], pooling);
    this.tap = { tensor: output, runtime: 'onnx', pooling, dim: this.dim };
  }

  /** Opens the graph and the tokenizer the spec names, and probes the hidden size with one text. */
  static async open(
    loaded: LoadedOnnx,
    spec: TextSpec,
    modelId: string,
    pooling: TokenPooling,
  ): Promise<TextFeatureExtractor> {
    const tokenizer = await openTokenizer(loaded.modelDir, spec);
    const output = tokenOutput(loaded);
    const session = await createSession(loaded.modelPath, loaded.source);
    try {
      const probe = await runTokens(session, [tokenizer.encode('a')], output);
      return new TextFeatureExtractor(modelId, spec, session, tokenizer, pooling, output, probe.hidden);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  async embed(inputs: readonly ModelInput[]): Promise<EmbedResult> {
    if (this.disposed) {
      throw new ModelhubError('INVALID_ARGUMENT', `The feature extractor for ${this.modelId} was disposed.`);
    }
    const vectors = new Array<Float32Array | undefined>(inputs.length).fill(undefined);
    const { ready, failures, truncated } = await tokenizeInputs(inputs, this.tokenizer);
    const warnings = this.truncation.take(truncated);
    for (let start = 0; start < ready.length; start += TEXT_BATCH) {
      const group = ready.slice(start, start + TEXT_BATCH);
      const { data, dims, mask } = await runTokens(
        this.session,
        group.map((g) => g.tokens),
        this.output,
      );
      const pooled = poolFeatures({ data, dims }, this.pooling, mask);
      group.forEach((g, row) => {
        vectors[g.index] = pooled[row];
      });
    }
    return { vectors, failures, ...(warnings.length === 0 ? {} : { warnings }) };
  }

  async dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      await this.session.release();
    }
  }
}

/** Runs one padded batch; returns the per-token output `[n, T, D]` and the attention mask. */
async function runTokens(
  session: InferenceSession,
  texts: readonly TokenizedText[],
  output: string,
): Promise<{ data: Float32Array; dims: number[]; mask: Float32Array; hidden: number }> {
  const batch = idsMaskBatch(texts);
  const feeds = idsMaskFeeds(session.inputNames, batch);
  const out = await session.run(feeds, [output]);
  const t = out[output];
  if (t === undefined || t.dims.length !== 3) {
    throw new ModelhubError('INTERNAL', `the text model returned no [N, T, D] "${output}" tensor.`);
  }
  return { data: t.data as Float32Array, dims: [...t.dims], mask: batch.mask, hidden: t.dims[2] ?? 0 };
}
