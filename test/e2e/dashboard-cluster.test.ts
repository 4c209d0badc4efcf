import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureDashboardBuilt,
  launchChromium,
  screenshotDir,
  skipBrowserTests,
} from '../support/browser.js';
import { startCluster, strongPassword, type TestRampart } from '../support/test-rampart.js';

const noServices = !process.env.RAMPART_TEST_DATABASE_URL || !process.env.RAMPART_TEST_REDIS_URL;

/**
 * Two nodes on PostgreSQL and Redis: the dashboard open on one node shows, live, a failed
 * login that happened on the other (events cross nodes through Redis pub/sub).
 */
describe.skipIf(skipBrowserTests || noServices)('dashboard on a two-node cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    ensureDashboardBuilt();
    cluster = await startCluster(2, { host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
  }, 60_000);

  it("shows on node b's live page a failed login made on node a", async () => {
    const [a, b] = cluster.nodes as [TestRampart, TestRampart];
    const url = await b.listen();
    const email = 'ops@example.com';
    const password = strongPassword();
    await a.accounts.createAccount({ email, password, roles: ['ADMIN'] }, { kind: 'system' });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${url}/ui/#/events`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Live security events' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      const res = await a.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: 'not the password' },
        remoteAddress: '198.51.100.77',
      });
      expect(res.statusCode).toBe(401);
      await page.locator('tbody tr', { hasText: '198.51.100.77' }).waitFor();
      expect(await page.locator('tbody tr', { hasText: '198.51.100.77' }).count()).toBe(1);
      await page.screenshot({ path: `${screenshotDir}cluster-live-events.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
