/**
 * @packageDocumentation
 * A pulled TF.js model as a frozen feature extractor (wasm backend)
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
