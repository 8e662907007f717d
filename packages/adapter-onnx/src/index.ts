/**
 * @packageDocumentation
 * A pulled ONNX model as a frozen feature extractor (onnxruntime-node): the tap is found by
 * walking back from the outputs to the classifier, exposed as an extra graph output (cached),
 * pooled to a vector, and fed by `@modelhub/vision` preprocessing with decode/inference overlap.
 */
export {
  onnxAdapter,
  detect,
  inspect,
  loadFeatureExtractor,
  loadCandidateExtractor,
  loadImageExtractor,
  predictOriginal,
} from './adapter/onnx-adapter.ts';
export { AudioFeatureExtractor } from './audio/audio-feature-extractor.ts';
export { TextFeatureExtractor } from './text/text-feature-extractor.ts';
export { OnnxFeatureExtractor, DEFAULT_BATCH_SIZE } from './extractor/onnx-feature-extractor.ts';
export type { TapVariant, VariantEmbedResult } from './extractor/onnx-feature-extractor.ts';
export { findModelFile, listOnnxFiles } from './model-dir/find-model-file.ts';
export { planPooling, poolBatch, maskRule, sharedPooling } from './pooling/pool-plan.ts';
export type { PoolPlan, PlanContext, PlannedAxis } from './pooling/pool-plan.ts';
export { scoreExported } from './fuse/score-exported.ts';
export { ctcGreedyDecode } from './predict/ctc-decode.ts';
export { createSession } from './session/create-session.ts';
export { sessionOptions } from './session/session-options.ts';
export { startSpareWorker } from './session/spare-worker.ts';
export { WorkerSession } from './session/worker-session.ts';
export type { WorkerTensor } from './session/worker-session.ts';
