/**
 * `npm run test:faults`: the fault scenarios (test/faults/*.fault-spec.ts) against paygate's
 * production build in processes of their own, killed, starved of their database, doubled and
 * time-shifted. One file at a time (they start servers, clusters and load); each scenario
 * bounds itself, and the whole suite stays well under ten minutes.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.fault-spec\\.ts$',
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  testTimeout: 240000,
  maxWorkers: 1,
};
