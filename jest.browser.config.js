/**
 * `npm run test:browser`: the documentation pages, the hosted pages and the web console in a
 * real browser (Debian's Chromium driven by playwright-core). Kept out of `npm test`, which must
 * not need a browser. The console's specs use its production build, made once per run by the
 * global set-up when missing or stale (test/browser/console-build.global-setup.ts).
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testRegex: '.*\\.browser-spec\\.ts$',
  testTimeout: 180000,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/browser/console-build.global-setup.ts',
};
