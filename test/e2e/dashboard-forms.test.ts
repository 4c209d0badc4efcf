import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessibility } from '../support/a11y.js';
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
 * The dashboard's edit forms in a real browser against a real Rampart: alert channels
 * created and edited with the API's validation errors shown by field and secrets never
 * shown back, a silence edited, a custom role deleted (and the API's refusal while it is
 * inherited), and a grant with every kind of condition. Screenshots land in
 * test-results/dashboard/.
 */
describe.skipIf(skipBrowserTests)('dashboard edit forms in a browser', () => {
  let r: TestRampart;
  let url: string;
  let browser: Browser;
  let page: Page;
  let token: string;
  const admin = { email: 'forms-admin@example.com', password: strongPassword() };
  const cspViolations: string[] = [];
  const shot = (name: string) =>
    page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
  const open = async (label: string, title = label) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  };
  const get = async <T>(path: string) =>
    (await r.app.inject({ method: 'GET', url: path, headers: bearer(token) })).json<T>();

  beforeAll(async () => {
    ensureDashboardBuilt();
    r = await startTestRampart({
      overrides: {
        host: '127.0.0.1',
        alerts: {
          channels: [
            {
              name: 'from-config',
              type: 'webhook',
              url: 'http://127.0.0.1:9/config-hook',
              secret: 'a-config-secret-of-some-length',
            },
          ],
        },
        // This suite is about the forms; the step-up message has its own tests.
        authz: { stepUp: { routes: [] } },
      },
    });
    url = await r.listen();
    await r.accounts.createAccount({ ...admin, roles: ['ADMIN'] }, { kind: 'system' });
    token = await login(r, admin.email, admin.password);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signInOnPage(page, url, admin);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await r?.close();
  }, 60_000);

  it('adds a webhook channel, showing the API validation errors under their fields, and edits it without showing secrets back', async () => {
    await open('Alerts');
    const channels = page.getByRole('region', { name: 'Channels' });
    const config = channels.locator('tbody tr', { hasText: 'from-config' });
    await config.waitFor();
    // A channel from the config file can be tested, not edited or removed.
    expect(await config.getByRole('button', { name: /Edit|Remove/ }).count()).toBe(0);
    await channels.getByRole('button', { name: 'New channel' }).click();
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name', { exact: true }).fill('sec-hook');
    await form.getByLabel('Type').selectOption('webhook');
    await form.getByLabel('URL').fill('ftp://hooks.example.com/secret-path');
    await form.getByLabel('Signing secret').fill('short');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await form.getByRole('alert').filter({ hasText: 'validation_failed' }).waitFor();
    const secret = form.getByLabel('Signing secret');
    expect(await secret.getAttribute('aria-invalid')).toBe('true');
    const secretError = form.locator('#channel-secret-error');
    expect(await secretError.textContent()).toMatch(/Signing secret .*16/);
    expect(await form.locator('#channel-url-error').textContent()).toMatch(/^URL must match/);
    expect(await secret.getAttribute('aria-describedby')).toContain('channel-secret-error');
    // Fields another channel type has are not blamed.
    expect(await form.locator('.field-error').count()).toBe(2);
    await shot('alert-channel-errors');
    await form.getByLabel('URL').fill('https://hooks.example.com/secret-path');
    await secret.fill('a-signing-secret-long-enough');
    await form.getByRole('button', { name: 'Add channel' }).click();
    const row = channels.locator('tbody tr', { hasText: 'sec-hook' });
    await row.waitFor();
    expect(await row.textContent()).toContain('https://hooks.example.com');
    expect(await page.content()).not.toContain('secret-path');
    expect(await page.content()).not.toContain('a-signing-secret-long-enough');

    await row.getByRole('button', { name: 'Edit sec-hook' }).click();
    const edit = page.getByRole('form', { name: 'Edit channel sec-hook' });
    expect(await edit.getByLabel('URL').inputValue()).toBe('');
    expect(await edit.getByLabel('Signing secret').inputValue()).toBe('');
    await edit.getByText('now at https://hooks.example.com').waitFor();
    await edit.getByLabel('Type').selectOption('email');
    await edit.getByLabel('Name', { exact: true }).fill('sec-mail');
    await edit.getByLabel('Recipients').fill('oncall@example.com, not-an-address');
    await edit.getByRole('button', { name: 'Save channel' }).click();
    await edit
      .locator('#channel-to-error')
      .getByText(/Recipients must match format "email"/)
      .waitFor();
    await edit.getByLabel('Recipients').fill('oncall@example.com, security@example.com');
    await edit.getByRole('button', { name: 'Save channel' }).click();
    const mail = channels.locator('tbody tr', { hasText: 'sec-mail' });
    await mail.waitFor();
    expect(await mail.textContent()).toContain('oncall@example.com, security@example.com');
    const stored = await get<{ items: { name: string; type: string }[] }>('/v1/alerts/channels');
    expect(stored.items.map((c) => `${c.name}:${c.type}`)).toEqual(
      expect.arrayContaining(['sec-mail:email', 'from-config:webhook']),
    );
    await shot('alert-channels');
    await mail.getByRole('button', { name: 'Remove' }).click();
    await mail.getByRole('button', { name: 'Confirm: remove sec-mail' }).click();
    await expect.poll(() => mail.count()).toBe(0);
  }, 60_000);

  it('edits a silence: its matchers and its end time', async () => {
    const created = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/silences',
      headers: bearer(token),
      payload: {
        matchers: [{ label: 'alertname', op: '=', value: 'noisy' }],
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        comment: 'maintenance',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<{ id: string }>();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const silences = page.getByRole('region', { name: 'Silences' });
    const row = silences.locator('tbody tr', { hasText: 'maintenance' });
    await row.getByRole('button', { name: /^Edit silence/ }).click();
    const form = page.getByRole('form', { name: 'Edit silence' });
    expect(await form.getByLabel('Label matchers (one a line)').inputValue()).toBe(
      'alertname=noisy',
    );
    await form.getByLabel('Label matchers (one a line)').fill('alertname=noisy\nkey=~10\\..*');
    // Two days from now, at 18:30 local time (the browser's zone).
    const end = new Date(Date.now() + 2 * 86_400_000);
    end.setHours(18, 30, 0, 0);
    const local = `${end.getFullYear()}-${String(end.getMonth() + 1).padStart(2, '0')}-${String(end.getDate()).padStart(2, '0')}T18:30`;
    await form.getByLabel('End time').fill(local);
    await form.getByLabel('Comment').fill('maintenance, extended');
    await form.getByRole('button', { name: 'Save silence' }).click();
    await silences.locator('tbody tr', { hasText: 'maintenance, extended' }).waitFor();
    const stored = (
      await get<{ items: { id: string; endsAt: string; matchers: unknown[] }[] }>(
        '/v1/alerts/silences',
      )
    ).items.find((s) => s.id === id);
    expect(stored?.matchers).toEqual([
      { label: 'alertname', op: '=', value: 'noisy' },
      { label: 'key', op: '=~', value: '10\\..*' },
    ]);
    const browserEnd = await page.evaluate((v) => new Date(v).toISOString(), local);
    expect(stored?.endsAt).toBe(browserEnd);
    await shot('alert-silence-edited');
  }, 60_000);

  it('deletes a custom role after a confirmation, and shows the refusal while another role inherits it', async () => {
    await open('Policy');
    const roleForm = async (name: string, inherits: string) => {
      const form = page.getByRole('form', { name: 'Create or replace a custom role' });
      await form.getByLabel('Role name').fill(name);
      await form.getByLabel('Inherits').fill(inherits);
      await form.getByRole('button', { name: 'Save role' }).click();
      await page.locator('tbody tr', { hasText: name }).first().waitFor();
    };
    await page.getByRole('button', { name: 'New or changed role' }).click();
    await roleForm('contractor', 'VIEWER');
    await roleForm('temp-staff', 'contractor');
    const roles = page.getByRole('table', { name: 'Roles' });
    await roles.getByRole('button', { name: 'Delete role contractor' }).click();
    await roles.getByRole('button', { name: 'Confirm: delete role contractor' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'authz_policy_invalid' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('contractor');
    expect(await roles.locator('tbody tr', { hasText: 'contractor' }).count()).toBe(2);
    await shot('policy-role-refused');
    expect(await roles.getByRole('button', { name: /Delete role (ADMIN|VIEWER)/ }).count()).toBe(0);
    await roles.getByRole('button', { name: 'Delete role temp-staff' }).click();
    await roles.getByRole('button', { name: 'Confirm: delete role temp-staff' }).click();
    await page.getByText('Role temp-staff is deleted.').waitFor();
    await roles.getByRole('button', { name: 'Delete role contractor' }).click();
    await roles.getByRole('button', { name: 'Confirm: delete role contractor' }).click();
    await page.getByText('Role contractor is deleted.').waitFor();
    const stored = await get<{ items: { name: string }[] }>('/v1/authz/roles');
    expect(stored.items.map((x) => x.name)).toEqual(['ADMIN', 'DEVELOPER', 'VIEWER']);
  }, 60_000);

  it('adds a grant with a time window, CIDRs, environments and attribute predicates', async () => {
    const form = page.getByRole('form', { name: 'Add a grant' });
    await form.getByLabel('Role or principal').fill('VIEWER');
    await form.getByLabel('Resource type').fill('reports');
    await form.getByLabel('Resource id').fill('q-*');
    await form.getByLabel('Actions').fill('read, export');
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri']) await form.getByLabel(day).check();
    await form.getByLabel('From', { exact: true }).fill('09:00');
    await form.getByLabel('To', { exact: true }).fill('17:30');
    await form.getByLabel('Time zone').fill('Mars/Olympus');
    await form.getByLabel('Only from CIDRs').fill('10.0.0.0/8, 2001:db8::/32');
    await form.getByLabel('production').check();
    await form.getByRole('button', { name: 'Add a predicate' }).click();
    await form.getByLabel('Predicate 1 key').fill('department');
    await form.getByLabel('Predicate 1 value').fill('finance');
    await form.getByRole('button', { name: 'Add a predicate' }).click();
    await form.getByLabel('Predicate 2 source').selectOption('resource');
    await form.getByLabel('Predicate 2 key').fill('level');
    await form.getByLabel('Predicate 2 operator').selectOption('lte');
    await form.getByLabel('Predicate 2 value').fill('3');
    await form.getByRole('button', { name: 'Add grant' }).click();
    // The API refuses an unknown time zone; the form keeps what was typed.
    await form.getByRole('alert').filter({ hasText: 'authz_policy_invalid' }).waitFor();
    await form.getByLabel('Time zone').fill('Europe/Paris');
    await form.getByRole('button', { name: 'Add grant' }).click();
    const grants = page.getByRole('table', { name: 'Grants' });
    const row = grants.locator('tbody tr', { hasText: 'reports/q-*' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('mon tue wed thu fri, 09:00–17:30, Europe/Paris');
    expect(text).toContain('from 10.0.0.0/8, 2001:db8::/32');
    expect(text).toContain('in production');
    expect(text).toContain('context.department equals "finance"');
    expect(text).toContain('resource.level lte 3');
    const stored = await get<{ items: { resourceType: string; conditions: unknown }[] }>(
      '/v1/authz/grants',
    );
    expect(stored.items.find((g) => g.resourceType === 'reports')?.conditions).toEqual({
      timeWindow: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        from: '09:00',
        to: '17:30',
        timezone: 'Europe/Paris',
      },
      ipCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      environments: ['production'],
      attributes: [
        { source: 'context', key: 'department', op: 'equals', value: 'finance' },
        { source: 'resource', key: 'level', op: 'lte', value: 3 },
      ],
    });
    await shot('policy-grant-conditions');
  }, 60_000);

  it('passes the basic accessibility check with the forms open, in both themes', async () => {
    for (const theme of ['light', 'dark']) {
      await page.goto(`${url}/ui/#/alerts`);
      await page.getByRole('button', { name: 'New channel' }).click();
      await page.getByRole('button', { name: 'New silence' }).click();
      await page
        .getByRole('form', { name: 'New channel' })
        .getByLabel('Type')
        .selectOption('webhook');
      expect(await checkAccessibility(page), `alerts (${theme})`).toEqual([]);
      await page.goto(`${url}/ui/#/policy`);
      await page.getByRole('form', { name: 'Add a grant' }).waitFor();
      await page.getByRole('button', { name: 'Add a predicate' }).click();
      expect(await checkAccessibility(page), `policy (${theme})`).toEqual([]);
      if (theme === 'light') {
        await page.getByRole('button', { name: 'Dark theme' }).click();
        await page.locator('html[data-theme="dark"]').waitFor();
      }
    }
    await shot('policy-grant-form-dark');
    await page.setViewportSize({ width: 1024, height: 700 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(
      true,
    );
    await page.setViewportSize({ width: 1366, height: 850 });
    await page.getByRole('button', { name: 'Light theme' }).click();
  }, 60_000);

  it('ran every page without a CSP violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
