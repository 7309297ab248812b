/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    }],
  },
  // url-template ships ESM only: let swc turn it into CommonJS for the test runtime.
  transformIgnorePatterns: ['/node_modules/(?!url-template/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  coverageProvider: 'v8',
  collectCoverageFrom: ['lib/**/*.ts', '!lib/generated/**'],
  coverageThreshold: {
    './lib/crypto/': { lines: 95 },
    './lib/util/': { lines: 95 },
    './lib/util/formatter.ts': { lines: 95 },
    './lib/util/transformer.ts': { lines: 95 },
  },
};
