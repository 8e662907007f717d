/**
 * @packageDocumentation
 * Image decoding and preprocessing resolved from a model's own config files.
 * Nothing is exported yet: this package is built by the adapters issue.
 */
export {};
