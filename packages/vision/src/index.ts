/**
 * @packageDocumentation
 * Image decoding (sharp) and model preprocessing resolved from a model's own config files: shared
 * by the ONNX and TF.js adapters and the trainer.
 */
export { decodeImage } from './decode/decode-image.ts';
export type { DecodedImage, DecodeOptions } from './decode/decode-image.ts';
export { decodeBatch } from './decode/decode-batch.ts';
export { preloadImageDecoder } from './decode/load-sharp.ts';
export type { DecodeBatchOptions, DecodeBatchResult } from './decode/decode-batch.ts';
export { stackBySize } from './decode/stack-by-size.ts';
export type { SizeGroup } from './decode/stack-by-size.ts';
export { decodeGrayPixels, grayPixelsSpec } from './decode/decode-gray-pixels.ts';
export { describeInput } from './decode/describe-input.ts';
export { paddedSize, resizeTarget, specChannels, specOutputDims } from './decode/resize-target.ts';
export { resolvePreprocess } from './preprocess/resolve-preprocess.ts';
export type { PreprocessHints, ResolvedPreprocess } from './preprocess/resolve-preprocess.ts';
export { familyPresets, presetNames } from './preprocess/family-presets.ts';
export { imageContract } from './preprocess/image-contract.ts';
export { positionMask, realPositions } from './mask/position-mask.ts';
export type { InputAxis, PositionAxis } from './mask/position-mask.ts';
