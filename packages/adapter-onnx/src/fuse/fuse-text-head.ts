import type { FuseHeadOptions } from '@modelhub/core';
import { fuseTokenEncoderClassifier } from '@modelhub/onnx';

import { loadOnnx } from '../model-dir/load-onnx.ts';
import { tokenPooling } from '../modality/open-modality.ts';
import { tokenOutput } from '../text/text-feature-extractor.ts';

/**
 * Fuses a Hugging Face–layout text encoder (ids + attention mask in, per-token vectors out) and a
 * head into one ONNX model: the same per-token output and pooling the head was trained on, pooled
 * over the attention mask as the adapter pools it. The tokenizer stays outside the graph.
 */
export async function fuseTextHead(
  modelDir: string,
  head: Uint8Array,
  options: FuseHeadOptions,
): Promise<Uint8Array> {
  const loaded = await loadOnnx(modelDir);
  return fuseTokenEncoderClassifier(loaded.bytes, head, {
    tap: options.tap.tensor === '' ? tokenOutput(loaded) : options.tap.tensor,
    pooling: tokenPooling(options.tap.pooling),
    metadata: options.metadata,
  });
}
