import { Browser, chromium } from 'playwright-core';

import { missingTools } from './tools';

/** Debian's Chromium (package `chromium`, installed by .ci/run): playwright-core downloads nothing. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether Chromium is installed; on CI its absence is an error, elsewhere the suite is skipped. */
export function hasChromium(): boolean {
  return missingTools('the browser test', { chromium: { path: CHROMIUM_PATH } }).length === 0;
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
