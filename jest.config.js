// One jest for every level: *.spec.ts (no I/O), *.int-spec.ts (one real dependency),
// *.e2e-spec.ts (the whole system through HTTP). @swc/jest compiles TypeScript with
// decorator metadata (NestJS DI needs it) an order of magnitude faster than ts-jest;
// type checking is done once by `tsc --noEmit` in `npm test`.
const swcrc = require('fs').readFileSync(__dirname + '/.swcrc', 'utf8');
const swc = JSON.parse(swcrc);
delete swc.$schema;
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^@yuantrace/(domain|event-store|projections|read-models)$': '<rootDir>/libs/$1/src',
    '^@yuantrace/(domain|event-store|projections|read-models)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  maxWorkers: 2,
  testTimeout: 60000,
};
