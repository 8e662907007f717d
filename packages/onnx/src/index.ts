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
export { DataType, dataTypeName } from './model/fields.ts';
