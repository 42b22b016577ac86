/**
 * `npm run test:browser`: the documentation pages in a real browser (Debian's Chromium driven
 * by playwright-core). Kept out of `npm test`, which must not need a browser.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testRegex: '.*\\.browser-spec\\.ts$',
  testTimeout: 180000,
  maxWorkers: 1,
};
