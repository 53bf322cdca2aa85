// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, for the project's own code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'schema/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The dashboard's page script runs in the browser, as it is (no build step).
    files: ['src/ui/assets/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['document', 'location', 'EventSource', 'fetch', 'alert', 'URLSearchParams'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    rules: {
      // The code relies on noUncheckedIndexedAccess and asserts presence where it knows better.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // ANSI escape sequences and control characters are matched on purpose (output scrubbing, config checks).
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
