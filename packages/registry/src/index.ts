/**
 * @packageDocumentation
 * A model registry server that speaks the Hugging Face Hub HTTP protocol
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
