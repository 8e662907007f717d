import { readAudioHints } from '@modelhub/audio';
import { modalityOf, readJsonObject, type InputSpec, type Modality } from '@modelhub/core';
import { declaredModality } from '@modelhub/text';

import type { LoadedOnnx } from '../model-dir/load-onnx.ts';

/** Input names of the Hugging Face text layout. */
const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

/**
 * What an ONNX model folder takes, from what it says before any graph is opened: a pinned spec
 * (a head's), the folder's `modelhub.json` `modality`, an audio `preprocessor_config.json`, or a
 * `tokenizer.json`. Undefined when only the graph's inputs can tell ({@link modalityOfGraph}).
 */
export async function declaredOnnxModality(
  modelDir: string,
  pinned: InputSpec | undefined,
): Promise<Modality | undefined> {
  if (pinned !== undefined) {
    return modalityOf(pinned);
  }
  const declared = await declaredModality(modelDir);
  if (declared === 'text' || declared === 'audio' || declared === 'image') {
    return declared;
  }
  if ((await readAudioHints(modelDir)).isAudio) {
    return 'audio';
  }
  return (await readJsonObject(modelDir, 'tokenizer.json')) === undefined ? undefined : 'text';
}

/** The modality a graph's inputs imply: `input_ids` (int64) means text, anything else an image. */
export function modalityOfGraph(loaded: LoadedOnnx): Modality {
  return loaded.inputs.some((i) => TEXT_INPUTS.includes(i.name)) ? 'text' : 'image';
}
