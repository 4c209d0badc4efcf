import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { dashboardPlugin } from './serve-dashboard.js';

describe('the dashboard at /ui/', () => {
  let root: string;
  let r: TestRampart;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rampart-ui-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><script type="module" src="/ui/assets/app-1a2b.js"></script>',
    );
    writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
    r = await startTestRampart({
      overrides: { dashboard: { enabled: false } },
      register: async (app) => {
        await app.register(dashboardPlugin, { root });
      },
    });
  });
  afterAll(async () => {
    await r?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the page revalidated on every load, under the self-only HTML policy', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/ui/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    );
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('keeps the page policy on a 304 revalidation, whose headers the browser adopts', async () => {
    const first = await r.app.inject({ method: 'GET', url: '/ui/' });
    const etag = String(first.headers.etag);
    const again = await r.app.inject({
      method: 'GET',
      url: '/ui/',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
  });

  it('caches hashed assets for a year as immutable', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/ui/assets/app-1a2b.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('serves the password reset link target and redirects /ui to /ui/', async () => {
    const reset = await r.app.inject({ method: 'GET', url: '/ui/reset-password' });
    expect(reset.statusCode).toBe(200);
    expect(reset.body).toContain('/ui/assets/app-1a2b.js');
    const bare = await r.app.inject({ method: 'GET', url: '/ui' });
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/ui/');
  });

  it('answers a missing file with a 404 problem and never serves outside its folder', async () => {
    const missing = await r.app.inject({ method: 'GET', url: '/ui/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    const traversal = await r.app.inject({ method: 'GET', url: '/ui/..%2f..%2fpackage.json' });
    expect(traversal.statusCode).toBeGreaterThanOrEqual(400);
    expect(traversal.body).not.toContain('"name"');
  });

  it('serves nothing when the dashboard was not built', async () => {
    const app = Fastify();
    await app.register(dashboardPlugin, { root: join(root, 'absent') });
    const res = await app.inject({ method: 'GET', url: '/ui/' });
    expect(res.statusCode).toBe(404);
    await app.close();
  });
});
