/**
 * @packageDocumentation
 * Read, edit and write ONNX models: expose inner tensors, write head graphs, fuse backbone and head
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
