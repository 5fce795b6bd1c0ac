// @ts-check
/**
 * Lint: typescript-eslint's strict, type-checked rules over every TypeScript file (`npm run lint`), with
 * prettier owning the layout and dependency-cruiser the imports (.dependency-cruiser.cjs). A rule loosened
 * here says why; nothing is silenced line by line without a reason beside it.
 */
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'apps/api/src/console/static/**', '**/*.cjs', '**/*.mjs', 'jest.config.js'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Counts, ports and milliseconds in messages are the normal case; objects and unions still need a decision.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Nest modules are classes that exist for their decorator (@Module); that is the framework's shape.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      // Response views are classes only so @nestjs/swagger can read their property decorators (the document and the
      // type are one declaration); handlers return plain objects of that shape, which is what is serialized. No
      // view has behaviour or private state an object literal could lack.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    // End-to-end tests read HTTP answers through supertest, whose `body` is `any`: they assert the fields they
    // read, and test/openapi.e2e-spec.ts holds every answer to its schema at run time. Restating each answer's
    // type in the tests would duplicate the contract; the rest of the strict rules apply to tests as to code.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
