import { Tensor } from 'onnxruntime-node';

import { ModelhubError } from '@modelhub/core';
import type { IdsMaskBatch } from '@modelhub/text';

/**
 * The feeds of a Hugging Face–layout encoder (or a file `hub export` fused from one) for a padded
 * batch of token ids: each input its graph names, from `input_ids`, `attention_mask` and
 * `token_type_ids`.
 *
 * @throws ModelhubError `UNSUPPORTED_MODEL` for an input modelhub cannot fill.
 */
export function idsMaskFeeds(inputNames: readonly string[], batch: IdsMaskBatch): Record<string, Tensor> {
  const shape = [batch.rows, batch.length];
  const all: Record<string, Tensor> = {
    input_ids: new Tensor('int64', batch.inputIds, shape),
    attention_mask: new Tensor('int64', batch.attentionMask, shape),
    token_type_ids: new Tensor('int64', batch.tokenTypeIds, shape),
  };
  const feeds: Record<string, Tensor> = {};
  for (const name of inputNames) {
    const t = all[name];
    if (t === undefined) {
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `The text model takes an input "${name}" modelhub cannot fill.`,
        {
          hint: 'Supported inputs: input_ids, attention_mask, token_type_ids.',
        },
      );
    }
    feeds[name] = t;
  }
  return feeds;
}
