import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

import type { Browser, BrowserContext, Page, Request } from 'playwright-core';

import { hasChromium, launchChromium } from './support/chromium';
import { chartAsset, insightAsset, signUpAndLogIn, TestUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = resolve(__dirname, '..');
/** Git-ignored; CI keeps it as the run's artifact. */
const SCREENSHOT = join(ROOT, 'test-artifacts/api-explorer.png');
const FAILURE_SCREENSHOT = join(ROOT, 'test-artifacts/api-explorer-failure.png');

/**
 * Runs in the page before its own scripts and outside its CSP (the project has no DOM types, so
 * it is text): records each violation the policy reports.
 */
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) =>
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI),
  );
`;

/** Chromium in a real page: the Swagger UI has to work under the service's own CSP. */
const describeWithChromium = hasChromium() ? describe : describe.skip;

describeWithChromium('API explorer in a browser (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const favourites = [
    chartAsset({ id: 'explorer-chart-1', name: 'Weekly active users (explorer)' }),
    insightAsset({ id: 'explorer-insight-1', name: 'Social habits (explorer)' }),
  ];

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUpAndLogIn(t.api);
    for (const asset of favourites) {
      const res = await t.api.post('/favorites', { token: user.token, body: asset });
      expect(res.status).toBe(201);
    }
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await t?.close();
  });

  /** Everything that goes wrong in the page: console errors, CSP refusals, failed requests. */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      problems.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) {
        problems.push(
          `HTTP ${response.status()}: ${response.request().method()} ${response.url()}`,
        );
      }
    });
    return problems;
  }

  it('authorizes with a login token and runs "Try it out" on GET /favorites', async () => {
    context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript({ content: RECORD_CSP_VIOLATIONS });
    await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.setDefaultNavigationTimeout(20_000);
    const problems = watch(page);
    const apiRequests: Request[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/favorites') apiRequests.push(request);
    });

    try {
      const docs = await page.goto(`${t.url}/docs`, { waitUntil: 'load' });
      expect(docs?.status()).toBe(200);
      expect(docs?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.locator('.swagger-ui .info .title').getByText('Favorites API').waitFor();

      // Authorize: the bearer scheme's dialog, the token from the login, then Close.
      await page.locator('.auth-wrapper button.authorize').click();
      const dialog = page.locator('.modal-ux');
      await dialog.locator('input').first().fill(user.token);
      await dialog.locator('.auth-btn-wrapper button.authorize').click();
      await dialog.locator('.auth-btn-wrapper button', { hasText: 'Logout' }).waitFor();
      await dialog.locator('button.btn-done').click();
      await dialog.waitFor({ state: 'detached' });

      // GET /favorites: open it, Try it out, Execute.
      const operation = page.locator('#operations-favorites-Favorites_list');
      await operation.locator('.opblock-summary').first().click();
      await operation.locator('button.try-out__btn').click();
      const sent = page.waitForRequest(
        (request) => new URL(request.url()).pathname === '/favorites',
      );
      await operation.locator('button.execute').click();
      const request = await sent;

      // What the UI shows under "Server response".
      const shown = operation.locator('.live-responses-table tbody tr.response');
      await expect(shown.locator('.response-col_status').textContent()).resolves.toMatch(
        /^\s*200\s*$/,
      );
      const bodyText = (await shown
        .locator('.response-col_description pre')
        .first()
        .textContent())!;
      const body = JSON.parse(bodyText);
      expect(body).toEqual(
        expect.objectContaining({ total: favourites.length, page: 1, limit: 10, nextCursor: null }),
      );
      expect(
        body.data.map((asset: { id: string; name: string }) => [asset.id, asset.name]),
      ).toEqual(
        // Newest first.
        [...favourites].reverse().map((asset) => [asset.id, asset.name]),
      );

      // The page, not the test, sent the token.
      expect(apiRequests).toHaveLength(1);
      expect(request.method()).toBe('GET');
      expect((await request.allHeaders()).authorization).toBe(`Bearer ${user.token}`);
      const response = await request.response();
      expect(response?.status()).toBe(200);

      await operation.scrollIntoViewIfNeeded();
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`API explorer screenshot: ${relative(process.cwd(), SCREENSHOT)}`);
    } catch (error) {
      // A timeout says little by itself: show what went wrong in the page, and how it looked.
      await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => undefined);
      if (error instanceof Error && problems.length) {
        error.message += `\n\nIn the page:\n${problems.join('\n')}`;
      }
      throw error;
    }

    await expect(page.evaluate('window.__cspViolations')).resolves.toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);
});
