import { startTestApp, TestApp } from './support/test-app';

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

function directivesOf(csp: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
}

describe('Security headers and CORS (e2e)', () => {
  describe('by default', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it.each([
      ['an API answer', '/health/live', 200],
      ['a problem answer', '/favorites', 401],
      ['the Swagger UI', '/docs', 200],
    ])('sets helmet’s headers on %s', async (_what, path, status) => {
      const res = await t.api.get(path);

      expect(res.status).toBe(status);
      expect(Object.fromEntries(res.headers)).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'x-dns-prefetch-control': 'off',
        'x-permitted-cross-domain-policies': 'none',
      });
      expect(res.headers.get('x-powered-by')).toBeNull();
      const csp = directivesOf(res.headers.get('content-security-policy'));
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
    });

    it('lets the Swagger UI run under its policy: scripts only from files of this origin', async () => {
      const page = await t.api.get('/docs');
      const csp = directivesOf(page.headers.get('content-security-policy'));
      expect(csp['script-src']).toEqual(["'self'"]);
      // The page carries inline <style> blocks; inline styles are all the policy lets in.
      expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
      expect(csp).not.toHaveProperty('upgrade-insecure-requests');

      const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      const stylesheets = [...page.text.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)];
      expect(stylesheets.length).toBeGreaterThanOrEqual(1);
      const sources = [
        ...scripts.map(([, attributes, body]) => {
          // No inline script: 'self' would refuse it.
          expect(body.trim()).toBe('');
          return /src="([^"]+)"/.exec(attributes)![1];
        }),
        ...stylesheets.map(([, href]) => href),
      ];
      for (const source of sources) {
        // Resolved as the browser does, against the page's own URL.
        const url = new URL(source, `${t.url}/docs`);
        expect(url.origin).toBe(t.url);
        const asset = await fetch(url);
        expect({ source, status: asset.status }).toEqual({ source, status: 200 });
        await asset.arrayBuffer();
      }
    });

    it('answers no cross-origin request: no CORS headers, preflight included', async () => {
      const get = await t.api.get('/health/live', { headers: { origin: ALLOWED } });
      expect(get.status).toBe(200);
      expect(get.headers.get('access-control-allow-origin')).toBeNull();

      const preflight = await t.api.request('OPTIONS', '/favorites', {
        headers: {
          origin: ALLOWED,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    });
  });

  describe('with CORS_ORIGINS', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ env: { CORS_ORIGINS: `${ALLOWED},http://localhost:3000` } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('allows exactly the configured origins, and exposes the ids and limits', async () => {
      const allowed = await t.api.get('/health/live', { headers: { origin: ALLOWED } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(allowed.headers.get('vary')).toMatch(/origin/i);
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      expect(allowed.headers.get('access-control-expose-headers')?.split(/,\s*/)).toEqual([
        'X-Request-ID',
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
      ]);

      for (const origin of [OTHER, `${ALLOWED}.evil.example.net`, 'http://app.example.com']) {
        const refused = await t.api.get('/health/live', { headers: { origin } });
        expect({ origin, allow: refused.headers.get('access-control-allow-origin') }).toEqual({
          origin,
          allow: null,
        });
      }
    });

    it('answers a preflight from an allowed origin, and only from one', async () => {
      const preflight = (origin: string) =>
        t.api.request('OPTIONS', '/favorites', {
          headers: {
            origin,
            'access-control-request-method': 'PATCH',
            'access-control-request-headers': 'authorization, content-type',
          },
        });

      const allowed = await preflight('http://localhost:3000');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      const list = (name: string) => allowed.headers.get(name)?.split(/,\s*/);
      expect(list('access-control-allow-methods')).toEqual([
        'GET',
        'HEAD',
        'POST',
        'PATCH',
        'DELETE',
      ]);
      expect(list('access-control-allow-headers')).toEqual([
        'Authorization',
        'Content-Type',
        'Accept',
        'X-Request-ID',
      ]);
      expect(allowed.headers.get('access-control-max-age')).toBe('600');

      const refused = await preflight(OTHER);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
