/**
 * @packageDocumentation
 * Resolve, download, cache and verify models from a Hugging Face Hub-compatible registry
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
