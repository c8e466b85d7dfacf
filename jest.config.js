// One jest for every level: *.spec.ts (no I/O), *.int-spec.ts (one real dependency),
// *.e2e-spec.ts (the whole system through HTTP). ts-jest transpiles file by file
// (isolatedModules, decorator metadata included, which NestJS DI needs); type checking is
// done once by `tsc --noEmit` in `npm test`.
// The suite runs in the deployment's zone, Asia/Shanghai (UTC+8), unless TZ says otherwise: a
// machine in UTC hid a business date read back a day early in any process east of UTC. Set
// before jest starts its workers, which inherit it.
process.env.TZ = process.env.TZ || 'Asia/Shanghai';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  moduleNameMapper: {
    '^@yuantrace/(domain|event-store|projections|read-models|seal|ledger)$': '<rootDir>/libs/$1/src',
    '^@yuantrace/(domain|event-store|projections|read-models|seal|ledger)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Which PostgreSQL the suites use, settled once (a private one started when none answers): test/support/global-setup.ts.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
};
