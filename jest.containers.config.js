/**
 * `npm run test:containers`: the image built from the Dockerfile and run as operators run it,
 * alone on SQLite and through docker-compose*.yml on PostgreSQL, one instance and the "scale"
 * profile (test/containers/*.container-spec.ts). Needs a Docker engine (.ci/run starts one).
 * One file at a time: they share the engine, the image and the machine's two cores.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/containers'],
  testRegex: '.*\\.container-spec\\.ts$',
  globalSetup: '<rootDir>/test/containers/global-setup.ts',
  testTimeout: 300000,
  maxWorkers: 1,
};
