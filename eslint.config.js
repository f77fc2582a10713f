import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.llm-ledger/', '.ci/node22/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/pricing/**/*.ts', 'src/tokens/**/*.ts'],
    rules: {
      // The core holds no I/O and no optional dependency: capture, stores and CLI plug into it.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:child_process'],
              message: 'No I/O in the core.',
            },
            {
              group: [
                'better-sqlite3',
                'pg',
                'ioredis',
                'prom-client',
                'openai',
                '@anthropic-ai/*',
                '@google/*',
                '@langchain/*',
                'ai',
              ],
              message: 'Optional dependencies are reached through subpath exports only.',
            },
            {
              group: ['../stores/*', '../cli/*', '../capture/*', '../integrations/*', '../observe/*', '../server/*'],
              message: 'Layers point one way: the core imports none of its adapters.',
            },
          ],
        },
      ],
    },
  },
);
