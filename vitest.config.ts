import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Sibling packages resolve to their TypeScript sources through the "@modelhub/source" export
// condition; Vite replaces (not extends) the default conditions when given some, so keep them —
// except the bundler-only "module" condition, which Node ignores: with it, packages such as the AWS
// SDK resolve to ES builds with extensionless imports that Node cannot load.
const conditions = ['@modelhub/source', ...defaultServerConditions.filter((c) => c !== 'module')];

/** Tests that need real models, data sets or minutes of CPU: a named suite that CI still runs. */
const slow = ['packages/*/test/**/*.slow.test.ts'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@modelhub/source'] } },
  test: {
    clearMocks: true,
    restoreMocks: true,
    pool: 'forks',
    globalSetup: ['./scripts/vitest-global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: slow,
          testTimeout: 30_000,
          // Hooks start real services (registries with imported models, PostgreSQL, S3, nginx):
          // seconds of work that a loaded machine stretches past vitest's 10 s default.
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'slow', include: slow, testTimeout: 600_000, hookTimeout: 600_000 },
      },
    ],
  },
});
