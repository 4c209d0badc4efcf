import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepUpDefaultRoutes } from '../../src/config/schema.js';
import { checkAccessibility } from '../support/a11y.js';
import {
  ensureDashboardBuilt,
  launchChromium,
  screenshotDir,
  skipBrowserTests,
} from '../support/browser.js';
import {
  enableTestTotp,
  signInOnPage,
  type TestAuthenticator,
} from '../support/browser-sign-in.js';
import { freePort } from '../support/free-port.js';
import { bearer, login } from '../support/http-helpers.js';
import { type OidcTestProvider, startOidcProvider } from '../support/oidc-provider.js';
import { startTestRampart, strongPassword, type TestRampart } from '../support/test-rampart.js';

/**
 * The administrator's account pages in a real browser against a real Rampart: account
 * search with pages, an account's detail and every action on it (lock, unlock, reset MFA,
 * built-in roles, delete), the step-up message for an administrator without a recent MFA
 * sign-in, data-key rotation with its progress, and linking a social-login identity to
 * the signed-in account through a real OpenID Provider. Screenshots land in
 * test-results/dashboard/.
 */
describe.skipIf(skipBrowserTests)('dashboard administration pages in a browser', () => {
  let r: TestRampart;
  let idp: OidcTestProvider;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let helperToken: string;
  const admin = { email: 'chief@example.com', password: strongPassword() } as {
    email: string;
    password: string;
    totp?: TestAuthenticator;
  };
  const helper = { email: 'helper-admin@example.com', password: strongPassword() };
  const users: { id: string; email: string; password: string }[] = [];
  const cspViolations: string[] = [];
  const shot = (name: string) =>
    page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
  const open = async (label: string, title = label) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  };
  const detailOf = async (id: string) => {
    const res = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${id}`,
      headers: bearer(helperToken),
    });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };

  beforeAll(async () => {
    ensureDashboardBuilt();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider({
      redirectUris: [`${publicUrl}/v1/auth/oauth/corp/callback`],
      users: [{ login: 'chief-sso', email: 'chief@corp.example', emailVerified: true }],
    });
    r = await startTestRampart({
      overrides: {
        host: '127.0.0.1',
        port,
        publicUrl,
        oauth: {
          providers: [
            {
              id: 'corp',
              type: 'oidc',
              name: 'Corp SSO',
              issuer: idp.issuer,
              clientId: idp.clientId,
              clientSecret: idp.clientSecret,
            },
          ],
        },
        authz: {
          stepUp: {
            maxAge: 3600,
            routes: [...stepUpDefaultRoutes, 'POST /v1/admin/keys/data/rotate'],
          },
        },
      },
    });
    url = await r.listen();
    for (const who of [admin, helper])
      await r.accounts.createAccount({ ...who, roles: ['ADMIN'] }, { kind: 'system' });
    admin.totp = await enableTestTotp(r, admin.email, admin.password);
    helperToken = await login(r, helper.email, helper.password);
    // 27 accounts: a first page of 25, and a second of 2.
    for (let i = 1; i <= 27; i++) {
      const email = `member-${String(i).padStart(2, '0')}@example.com`;
      const password = strongPassword();
      const a = await r.accounts.createAccount(
        { email, password, roles: ['VIEWER'] },
        { kind: 'system' },
      );
      users.push({ id: a.id, email, password });
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signInOnPage(page, url, admin);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await r?.close();
    await idp?.close();
  }, 60_000);

  it('searches accounts by email text a page at a time, and opens one with its roles and state', async () => {
    await open('Users & sessions');
    const rows = page.getByRole('table', { name: 'Accounts' }).locator('tbody tr');
    // 29 accounts in all: the first page holds 25.
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByLabel('Email contains').fill('member-');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByText('Page 1').waitFor();
    await shot('users-search');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByLabel('Role', { exact: true }).selectOption('ADMIN');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No account matches.').waitFor();
    await page.getByLabel('Role', { exact: true }).selectOption('');
    await page.getByLabel('Email contains').fill('member-07');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('link', { name: 'member-07@example.com' }).click();
    await page.getByRole('heading', { level: 2, name: 'member-07@example.com' }).waitFor();
    const facts = (await page.locator('dl.pairs').textContent()) ?? '';
    expect(facts).toContain(users[6]?.id);
    expect(facts).toMatch(/Roles held\s*VIEWER/);
    expect(facts).toMatch(/Effective roles\s*VIEWER/);
    expect(facts).toContain('not locked');
    await shot('users-detail');
  });

  it('locks and unlocks an account, resets its MFA, changes its roles and deletes it', async () => {
    const member = users[6] as (typeof users)[number];
    await enableTestTotp(r, member.email, member.password);
    await page.reload();
    await page.getByText('TOTP on').waitFor();

    await page.getByRole('button', { name: 'Lock account' }).click();
    await page.getByRole('button', { name: 'Confirm: Lock account' }).click();
    await page.getByText(/Locked until .*session\(s\) ended\./).waitFor();
    await page.locator('dl.pairs').getByText('locked', { exact: true }).waitFor();
    expect((await detailOf(member.id)).body.locked).toBe(true);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('button', { name: 'Confirm: Unlock' }).click();
    await page.getByText('The lock is lifted.').waitFor();
    expect((await detailOf(member.id)).body.locked).toBe(false);

    await page.getByRole('button', { name: 'Reset MFA' }).click();
    await page.getByRole('button', { name: 'Confirm: Reset MFA' }).click();
    await page.getByText('The second factor and recovery codes are removed.').waitFor();
    expect((await detailOf(member.id)).body.mfa_enabled).toBe(false);
    // The detail reloads after the message; wait for it rather than read it once.
    await expect
      .poll(() => page.getByRole('button', { name: 'Reset MFA', exact: true }).count(), {
        timeout: 10_000,
      })
      .toBe(0);

    await page.getByLabel('DEVELOPER', { exact: true }).check();
    await page.getByRole('button', { name: 'Save roles' }).click();
    await page.getByText('Roles saved: DEVELOPER, VIEWER.').waitFor();
    expect((await detailOf(member.id)).body.roles).toEqual(['DEVELOPER', 'VIEWER']);
    await shot('users-actions');

    await page.getByRole('button', { name: 'Delete account' }).click();
    await page.getByRole('button', { name: 'Confirm: delete member-07@example.com' }).click();
    await page.getByText(/The account is deleted; the audit trail names it/).waitFor();
    // Erased: what stays is an anonymised record, without the person's email.
    expect((await detailOf(member.id)).body.email).not.toBe(member.email);
  }, 60_000);

  it('tells an administrator without a recent MFA sign-in to sign in again for a role change or a key rotation', async () => {
    const other = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    try {
      const p = await other.newPage();
      p.setDefaultTimeout(15_000);
      await signInOnPage(p, url, helper);
      await p.goto(`${url}/ui/#/users?id=${users[7]?.id}`);
      await p.getByRole('heading', { level: 2, name: 'member-08@example.com' }).waitFor();
      await p.getByLabel('ADMIN', { exact: true }).check();
      await p.getByRole('button', { name: 'Save roles' }).click();
      const notice = p.getByRole('alert').filter({ hasText: 'step_up_required' });
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/sign in again with your authenticator code/);
      expect((await detailOf(users[7]?.id ?? '')).body.roles).toEqual(['VIEWER']);
      await p.screenshot({ path: `${screenshotDir}users-step-up.png`, fullPage: true });
      await p.goto(`${url}/ui/#/settings`);
      const ring = p.getByRole('region', { name: 'Data key ring' });
      await ring.getByRole('button', { name: 'Rotate the data key' }).click();
      await ring.getByRole('button', { name: /^Confirm: make a new primary/ }).click();
      await ring.getByRole('alert').filter({ hasText: 'step_up_required' }).waitFor();
    } finally {
      await other.close();
    }
  }, 60_000);

  it('rotates the data key from the settings page and shows the re-encryption done', async () => {
    const before = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/keys/data',
      headers: bearer(helperToken),
    });
    const oldPrimary = before.json<{ primary_key_id: string }>().primary_key_id;
    await open('Settings');
    const ring = page.getByRole('region', { name: 'Data key ring' });
    await ring.getByRole('button', { name: 'Rotate the data key' }).click();
    await ring.getByRole('button', { name: /^Confirm: make a new primary/ }).click();
    await ring.getByText(/Latest rotation to .*: done/).waitFor();
    const after = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/keys/data',
      headers: bearer(helperToken),
    });
    const { primary_key_id: newPrimary } = after.json<{ primary_key_id: string }>();
    expect(newPrimary).not.toBe(oldPrimary);
    const newRow = ring.locator('tbody tr', { hasText: newPrimary });
    await newRow.getByText('primary', { exact: true }).waitFor();
    await ring.locator('tbody tr', { hasText: oldPrimary }).getByText('retired').waitFor();
    expect(await ring.getByRole('progressbar', { name: 'Re-encryption progress' }).count()).toBe(1);
    await shot('settings-rotation');
  });

  it('links a social-login identity to the signed-in account, and unlinks it', async () => {
    await open('My account');
    const panel = page.getByRole('region', { name: 'Linked sign-in providers' });
    await panel.getByText('No provider identity is linked').waitFor();
    // The first request the browser makes to the provider is the authorization URL.
    const toProvider = page.waitForRequest(
      (req) => req.isNavigationRequest() && req.url().startsWith(idp.issuer),
    );
    await panel.getByRole('button', { name: 'Link Corp SSO', exact: true }).click();
    const authorizationUrl = (await toProvider).url();
    expect(new URL(authorizationUrl).searchParams.get('code_challenge_method')).toBe('S256');
    // The person signs in at the provider (the test provider's own form, driven over
    // HTTP); the browser then follows the provider's redirect back to Rampart's callback,
    // carrying the state cookie the link request set.
    const back = await idp.authorize(authorizationUrl, { login: 'chief-sso' });
    await page.goto(back.href);
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    await panel.getByText('Your Corp SSO identity is linked to this account.').waitFor();
    expect(new URL(page.url()).hash).toBe('#/account');
    const row = panel.locator('tbody tr', { hasText: 'chief@corp.example' });
    await row.waitFor();
    await expect
      .poll(() => panel.getByRole('button', { name: 'Link Corp SSO', exact: true }).count(), {
        timeout: 10_000,
      })
      .toBe(0);
    await shot('account-linked');
    await row.getByRole('button', { name: 'Unlink Corp SSO' }).click();
    await row.getByRole('button', { name: 'Confirm: unlink Corp SSO' }).click();
    await panel.getByText('No provider identity is linked').waitFor();
    await panel.getByRole('button', { name: 'Link Corp SSO', exact: true }).waitFor();
  }, 60_000);

  it('passes the basic accessibility check on the account pages, in both themes', async () => {
    const pages = ['users', `users?id=${users[8]?.id}`, 'settings', 'account'];
    for (const theme of ['light', 'dark']) {
      for (const name of pages) {
        await page.goto(`${url}/ui/#/${name}`);
        await page.locator('h1').waitFor();
        await expect.poll(() => page.locator('.loading').count()).toBe(0);
        expect(await checkAccessibility(page), `${name} (${theme})`).toEqual([]);
      }
      if (theme === 'light') {
        await page.getByRole('button', { name: 'Dark theme' }).click();
        await page.locator('html[data-theme="dark"]').waitFor();
      }
    }
    await page.goto(`${url}/ui/#/users?id=${users[8]?.id}`);
    await page.getByRole('heading', { level: 2, name: 'member-09@example.com' }).waitFor();
    await shot('users-detail-dark');
    await page.setViewportSize({ width: 1024, height: 700 });
    for (const name of ['users', `users?id=${users[8]?.id}`]) {
      await page.goto(`${url}/ui/#/${name}`);
      await page.locator('h1').waitFor();
      expect(
        await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
        name,
      ).toBe(true);
    }
    await page.setViewportSize({ width: 1366, height: 850 });
    await page.getByRole('button', { name: 'Light theme' }).click();
  }, 60_000);

  it('ran every page without a CSP violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
