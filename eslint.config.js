// Type-aware lint for the whole monorepo. Formatting belongs to Prettier; the dependency arrows
// between packages are checked by scripts/check-deps.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.fixtures/**', '.bench/**', 'packages/cli/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      curly: ['error', 'all'],
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        { selector: 'TSEnumDeclaration', message: 'Use a string-literal union or an as-const object.' },
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message:
            "Import zod as a namespace, `import * as z from 'zod'`: the CLI bundle then holds only the parts used (DEVELOPERS.md).",
        },
      ],
    },
  },
  {
    // The command line, scripts and test helpers talk to people; libraries never print.
    files: [
      'packages/cli/src/**',
      'scripts/**',
      'packages/testing/src/**',
      '**/*.test.ts',
      'packages/*/test/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // The pages' browser script: its own tsconfig (DOM types) decides what names exist.
    files: ['packages/registry/static/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
