import { existsSync } from 'node:fs';

import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium (package `chromium`, installed by .ci/run): playwright-core downloads nothing. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether Chromium is installed; on CI its absence is an error, elsewhere the suite is skipped. */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM_PATH} is required on CI`);
  console.warn(`Skipping the browser test: ${CHROMIUM_PATH} is absent (apt-get install chromium)`);
  return false;
}

/**
 * Headless Chromium in a fresh profile (playwright makes a temporary user data dir and removes it
 * on close). The background-networking flags stop the calls Chromium makes on its own (updates,
 * sync, field trials, QUIC probes): on a machine with a closed network they are refused and would
 * read as the page's own failures.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
