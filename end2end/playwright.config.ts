// Browser tests of Portico's journeys, in Debian's Chromium (never a downloaded browser).
// scripts/test.sh starts a fresh `portico` and passes its URL in PORTICO_E2E_URL.
import { defineConfig } from '@playwright/test';

const launchOptions = {
  executablePath: process.env.PORTICO_E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: process.env.PORTICO_E2E_URL ?? 'http://127.0.0.1:3000',
    browserName: 'chromium',
    launchOptions,
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium', testIgnore: /no-js/ },
    { name: 'no-javascript', testMatch: /no-js/, use: { javaScriptEnabled: false } },
  ],
});
