import { availableParallelism } from 'node:os';

import { ModelhubError } from '@modelhub/core';
import type {
  AdapterOptions,
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ModelInput,
  TextSpec,
} from '@modelhub/core';
import {
  openTokenizer,
  resolveTextSpec,
  sparseBatch,
  tokenizeInputs,
  TruncationWarning,
  type TextTokenizer,
} from '@modelhub/text';

import { WorkerPool } from '../runtime/worker-pool.ts';
import type { TfjsModelJson } from '../model/model-files.ts';

/** Sentences per run: ~320 ms per 32 on the wasm backend here. */
const TEXT_BATCH = 32;

/** The contract line `hub inspect` shows for a sparse-ids text model. */
export function sparseTextContract(spec: TextSpec): string {
  return (
    `texts: .txt files (UTF-8, one example per file), their bytes, or { text } values → SentencePiece ids (${spec.tokenizer.file}) ` +
    `as a sparse batch (indices [n,2], values [n]); at most ${spec.maxTokens} tokens (longer texts are cut at the end, with a warning)`
  );
}

/** True when a graph model takes Universal Sentence Encoder's sparse ids (`indices` and `values` placeholders). */
export function takesSparseIds(json: TfjsModelJson): boolean {
  const topology = json.modelTopology as { node?: unknown };
  const nodes = Array.isArray(topology.node)
    ? (topology.node as Array<{ name?: unknown; op?: unknown }>)
    : [];
  const placeholders = new Set(nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name));
  return placeholders.has('indices') && placeholders.has('values');
}

/** The name of a graph model's last node (its output), for the tap record. */
export function lastNodeName(json: TfjsModelJson): string {
  const topology = json.modelTopology as { node?: unknown };
  const nodes = Array.isArray(topology.node) ? (topology.node as Array<{ name?: unknown }>) : [];
  const name = nodes.at(-1)?.name;
  return typeof name === 'string' ? name : 'output';
}

/**
 * A TF.js graph sentence encoder fed sparse SentencePiece ids (Universal Sentence Encoder lite): texts
 * are tokenized in `@modelhub/text`, laid out as one sparse batch per run, and run on the wasm backend
 * in worker threads. The model's own output is already one L2-normalised vector per text.
 */
export class UseTextExtractor implements FeatureExtractor {
  readonly modelId: string;
  readonly dim: number;
  readonly tap: FeatureTap;
  readonly preprocess: TextSpec;
  private readonly pool: WorkerPool;
  private readonly tokenizer: TextTokenizer;
  private readonly truncation: TruncationWarning;

  private constructor(
    modelId: string,
    spec: TextSpec,
    pool: WorkerPool,
    tokenizer: TextTokenizer,
    tap: FeatureTap,
  ) {
    this.modelId = modelId;
    this.preprocess = spec;
    this.pool = pool;
    this.tokenizer = tokenizer;
    this.truncation = new TruncationWarning(tokenizer.maxTokens, modelId);
    this.tap = tap;
    this.dim = tap.dim;
  }

  /** Opens the tokenizer and the workers, and probes the output size with one sentence. */
  static async open(
    modelDir: string,
    json: TfjsModelJson,
    options: AdapterOptions & { readonly workers?: number },
  ): Promise<UseTextExtractor> {
    const spec =
      options.preprocess?.modality === 'text'
        ? options.preprocess
        : await resolveTextSpec(modelDir, 'sparse-ids');
    if (spec === undefined) {
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `${modelDir} takes sparse token ids but has no vocab.json.`,
        {
          hint: 'Pull the model with its SentencePiece vocab.json.',
          details: { modelDir },
        },
      );
    }
    const tokenizer = await openTokenizer(modelDir, spec);
    const workers = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
    const pool = await WorkerPool.start(workers, {
      modelDir,
      kind: 'graph',
      tap: options.layer ?? null,
      warmupShape: null,
    });
    try {
      const probe = sparseBatch([tokenizer.encode('hello')]);
      const out = await pool.runSparse(probe.indices, probe.values);
      const tap: FeatureTap = {
        tensor: options.layer ?? lastNodeName(json),
        runtime: 'tfjs-graph',
        pooling: 'none',
        dim: out.shape[1] ?? out.data.length,
      };
      return new UseTextExtractor(options.modelId, spec, pool, tokenizer, tap);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  async embed(inputs: readonly ModelInput[]): Promise<EmbedResult> {
    const vectors = new Array<Float32Array | undefined>(inputs.length).fill(undefined);
    const { ready, failures, truncated } = await tokenizeInputs(inputs, this.tokenizer);
    const warnings = this.truncation.take(truncated);
    const groups: Array<typeof ready> = [];
    for (let start = 0; start < ready.length; start += TEXT_BATCH) {
      groups.push(ready.slice(start, start + TEXT_BATCH));
    }
    await Promise.all(
      groups.map(async (group) => {
        const batch = sparseBatch(group.map((g) => g.tokens));
        const out = await this.pool.runSparse(batch.indices, batch.values);
        group.forEach((g, row) => {
          vectors[g.index] = out.data.slice(row * this.dim, (row + 1) * this.dim);
        });
      }),
    );
    return { vectors, failures, ...(warnings.length === 0 ? {} : { warnings }) };
  }

  dispose(): Promise<void> {
    return this.pool.close();
  }
}
