/**
 * One configuration for unit specs (beside the code, `*.spec.ts`) and end-to-end specs
 * (`test/…/*.e2e-spec.ts`, the real app over HTTP on a scratch database: SQLite by default,
 * PostgreSQL when TEST_DATABASE_URL is set). Type checking is `npm run typecheck`'s job; the
 * tests transpile only, which keeps the suite quick.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/console/src'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
    // ESM-only dependencies (Node 20 loads them with require(); Jest on Node 20 cannot)
    '/node_modules/(content-disposition)/.+\\.js$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  testTimeout: 60000,
  maxWorkers: process.env.JEST_WORKERS ?? 2,
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/contract-hook.ts'],
};
