/**
 * Two projects over spec/, told apart by the file name:
 *
 * - `fast`: every `*.spec.ts` but the slow ones. Unit, protocol, and integration specs against the in-process
 *   sandbox: what `npm test` runs, in two workers.
 * - `slow`: every `*.slow.spec.ts`. Specs slow by nature: a browser, child processes (the examples, the CLI's
 *   signals, a killed sandbox, npx), the fuzz suite at 2,000 runs per property, the load burst, the code
 *   generator's round trips and type checks. `npm run test:all` runs both projects, with coverage and its
 *   thresholds; that is what CI runs.
 *
 * A new spec that takes seconds by nature (a child process, a browser, tsc, a volume) is named `*.slow.spec.ts`;
 * one that waits on time uses the code's time scale or clock instead. `npx jest <file>` runs any spec either way.
 *
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/spec'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    }],
  },
  // url-template ships ESM only: let swc turn it into CommonJS for the test runtime.
  transformIgnorePatterns: ['/node_modules/(?!url-template/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

module.exports = {
  projects: [
    { ...shared, displayName: 'fast', testMatch: ['**/*.spec.ts'], testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.spec\\.ts$'] },
    { ...shared, displayName: 'slow', testMatch: ['**/*.slow.spec.ts'] },
  ],
  // Two workers on the 2-core machine CI runs on (jest's default would be one: the cores minus one).
  maxWorkers: 2,
  // Two workers on two busy cores can take twice jest's default 5 s over a test of real signing and HTTP; a hang still fails.
  testTimeout: 15_000,
  // A name for the run, under which withSandbox() keeps one sandbox identity per worker (spec/support/identity-template.ts).
  globalSetup: '<rootDir>/spec/support/global-setup.cjs',
  globalTeardown: '<rootDir>/spec/support/global-teardown.cjs',
  coverageProvider: 'v8',
  collectCoverageFrom: ['lib/**/*.ts', '!lib/generated/**'],
  coverageThreshold: {
    './lib/crypto/': { lines: 95 },
    './lib/util/': { lines: 95 },
    './lib/util/formatter.ts': { lines: 95 },
    './lib/util/transformer.ts': { lines: 95 },
  },
};
