/**
 * @packageDocumentation
 * Fit a fresh output head on local data, with honest metrics and a portable head artifact
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
