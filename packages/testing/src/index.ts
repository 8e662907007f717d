/**
 * @packageDocumentation
 * Test helpers: fixture models from npm packages, a real registry on port 0
 * Nothing is exported yet: this package is built by its own issue.
 */
export {};
