// ESLint flat config: typescript-eslint's recommended type-aware rules over the whole project.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import posfleet from './eslint-rules/architecture.js';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'test-artifacts/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The layers and folders (eslint-rules/architecture.js): no query in a service, no cycle between
    // capability folders, no reach into another capability's repository; the SDK imports only itself and src/protocol/.
    files: ['src/**/*.ts'],
    plugins: { posfleet },
    rules: {
      'posfleet/no-query-in-service': 'error', 'posfleet/no-folder-cycle': 'error', 'posfleet/no-foreign-repository': 'error', 'posfleet/sdk-imports-protocol': 'error',
    },
  },
);
