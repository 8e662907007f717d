/**
 * @packageDocumentation
 * Read, edit and write ONNX models without a schema dependency: a field-preserving protobuf
 * reader, graph-output edits, feature-tap discovery, and a writer for classifier head graphs.
 */
export { buildHeadModel, headTensorNames, HEAD_LABELS_KEY } from './head/build-head-model.ts';
export type { HeadLayer, HeadModelSpec } from './head/build-head-model.ts';
export { readOnnxModel, readFloatTensor, readTensorHeader } from './model/onnx-model.ts';
export type {
  OnnxModel,
  OnnxGraph,
  OnnxNode,
  OnnxAttribute,
  OnnxValueInfo,
  TensorHeader,
} from './model/onnx-model.ts';
export { buildOnnxModel, tensorBytes } from './model/build-model.ts';
export type {
  ModelSpec,
  NodeSpec,
  TensorSpec,
  TensorValues,
  ValueInfoSpec,
  AttributeValue,
} from './model/build-model.ts';
export { DataType, dataTypeName } from './model/fields.ts';
export { addGraphOutputs } from './edit/add-graph-outputs.ts';
export { writeTappedModel, externalDataFiles, readModelFile } from './edit/tapped-model.ts';
export type { TappedModel } from './edit/tapped-model.ts';
export { markTappedModelUsed, sweepTappedModels } from './edit/tapped-model-use.ts';
export type { TappedSweep } from './edit/tapped-model-use.ts';
export { findFeatureTaps, chooseFeatureTap, suggestLayers } from './tap/find-feature-taps.ts';
export type { TapCandidate } from './tap/find-feature-taps.ts';
export { earlierFeatureTensors } from './tap/earlier-feature-tensors.ts';
export { pooledFeatureMap } from './tap/pooled-feature-map.ts';
export { fuseBackboneAndHead } from './fuse/fuse-head.ts';
export type { FuseOptions } from './fuse/fuse-head.ts';
export { VALID_SIZE_INPUT } from './fuse/pooling-nodes.ts';
export type { FusePooling } from './fuse/pooling-nodes.ts';
export type { FuseGridView } from './fuse/grid-view-nodes.ts';
export { inlineGraph } from './edit/inline-graph.ts';
export type { InlinedGraph } from './edit/inline-graph.ts';
export { fuseWindowedAudioClassifier, AUDIO_INPUT } from './fuse/fuse-windowed-audio.ts';
export type { WindowedAudioPlan, WindowedAudioFuseOptions } from './fuse/fuse-windowed-audio.ts';
export { fuseTokenEncoderClassifier } from './fuse/fuse-token-encoder.ts';
export type { TokenEncoderFuseOptions } from './fuse/fuse-token-encoder.ts';
export { maskedPoolingNodes } from './fuse/masked-pooling-nodes.ts';
export type { MaskedPooling, MaskedPoolingPlan } from './fuse/masked-pooling-nodes.ts';
