import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureDashboardBuilt,
  launchChromium,
  screenshotDir,
  skipBrowserTests,
} from '../support/browser.js';
import { signInOnPage } from '../support/browser-sign-in.js';
import { bearer, login } from '../support/http-helpers.js';
import { startTestRampart, strongPassword, type TestRampart } from '../support/test-rampart.js';

/**
 * A search in the dashboard survives a visit to one of its results: the accounts search
 * and the incidents' status filter live in the URL, so the "All accounts" link, the
 * browser's back button and a reload all return to the same search, and a link to a
 * result can be shared with its search.
 */
describe.skipIf(skipBrowserTests)('dashboard searches kept across a detail view', () => {
  let r: TestRampart;
  let url: string;
  let browser: Browser;
  let page: Page;
  const admin = { email: 'nav-admin@example.com', password: strongPassword() };

  beforeAll(async () => {
    ensureDashboardBuilt();
    r = await startTestRampart({
      overrides: { host: '127.0.0.1', authz: { stepUp: { routes: [] } } },
    });
    url = await r.listen();
    await r.accounts.createAccount({ ...admin, roles: ['ADMIN'] }, { kind: 'system' });
    for (const [email, roles] of [
      ['dana.viewer@corp.example', ['VIEWER']],
      ['dave.viewer@corp.example', ['VIEWER']],
      ['dora.dev@corp.example', ['DEVELOPER']],
      ['eve@elsewhere.example', ['VIEWER']],
    ] as const) {
      await r.accounts.createAccount(
        { email, password: strongPassword(), roles: [...roles] },
        { kind: 'system' },
      );
    }
    const token = await login(r, admin.email, admin.password);
    for (const title of ['Open one', 'Resolved one']) {
      const created = await r.app.inject({
        method: 'POST',
        url: '/v1/incidents',
        headers: bearer(token),
        payload: { title, severity: 'high' },
      });
      expect(created.statusCode).toBe(201);
      if (title === 'Resolved one') {
        const moved = await r.app.inject({
          method: 'POST',
          url: `/v1/incidents/${created.json<{ id: string }>().id}/status`,
          headers: bearer(token),
          payload: { status: 'resolved' },
        });
        expect(moved.statusCode).toBe(200);
      }
    }
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 850 } })).newPage();
    page.setDefaultTimeout(15_000);
    await signInOnPage(page, url, admin);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await r?.close();
  }, 60_000);

  const accountRows = () => page.getByRole('table', { name: 'Accounts' }).locator('tbody tr');
  const emailsShown = async () =>
    (await accountRows().allTextContents()).map((t) => t.match(/\S+@\S+?\.example/)?.[0]);

  it('returns from an account to the same accounts search, by link, back button and reload', async () => {
    await page.goto(`${url}/ui/#/users`);
    const search = page.getByRole('form', { name: 'Search accounts' });
    await search.getByLabel('Email contains').fill('corp.example');
    await search.getByLabel('Role').selectOption('VIEWER');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/#\/users\?query=corp\.example&role=VIEWER$/);
    await expect
      .poll(emailsShown)
      .toEqual(['dana.viewer@corp.example', 'dave.viewer@corp.example']);

    await page.getByRole('link', { name: 'dave.viewer@corp.example' }).click();
    await page.getByRole('heading', { name: 'dave.viewer@corp.example' }).waitFor();
    await page.getByRole('link', { name: '← All accounts' }).click();
    await page.waitForURL(/#\/users\?query=corp\.example&role=VIEWER$/);
    expect(await search.getByLabel('Email contains').inputValue()).toBe('corp.example');
    expect(await search.getByLabel('Role').inputValue()).toBe('VIEWER');
    await expect.poll(emailsShown).toHaveLength(2);
    await page.screenshot({ path: `${screenshotDir}users-search-kept.png`, fullPage: true });

    await page.getByRole('link', { name: 'dana.viewer@corp.example' }).click();
    await page.getByRole('heading', { name: 'dana.viewer@corp.example' }).waitFor();
    await page.goBack();
    await page.waitForURL(/#\/users\?query=corp\.example&role=VIEWER$/);
    await expect
      .poll(emailsShown)
      .toEqual(['dana.viewer@corp.example', 'dave.viewer@corp.example']);

    await page.reload();
    await expect.poll(emailsShown).toHaveLength(2);
    expect(await search.getByLabel('Role').inputValue()).toBe('VIEWER');

    // Clearing the search shows every account again.
    await search.getByLabel('Email contains').fill('');
    await search.getByLabel('Role').selectOption('');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/#\/users$/);
    await expect.poll(async () => (await emailsShown()).length).toBe(5);
  });

  it('keeps the incidents status filter while an incident is open and after', async () => {
    await page.goto(`${url}/ui/#/incidents`);
    const table = page.getByRole('table', { name: 'Incidents, newest first' });
    await table.getByText('Resolved one').waitFor();
    await page.locator('#incident-status-filter').selectOption('resolved');
    await page.waitForURL(/#\/incidents\?status=resolved$/);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await table.getByRole('link', { name: 'Resolved one' }).click();
    await page.waitForURL(/#\/incidents\?status=resolved&id=/);
    expect(await page.locator('#incident-status-filter').inputValue()).toBe('resolved');
    expect(await table.locator('tbody tr').count()).toBe(1);
    await page.goBack();
    await page.waitForURL(/#\/incidents\?status=resolved$/);
    expect(await page.locator('#incident-status-filter').inputValue()).toBe('resolved');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
  });
});
