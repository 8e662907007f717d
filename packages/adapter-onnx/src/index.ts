/**
 * @packageDocumentation
 * A pulled ONNX model as a frozen feature extractor (onnxruntime-node)
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
