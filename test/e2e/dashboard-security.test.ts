import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessibility } from '../support/a11y.js';
import {
  ensureDashboardBuilt,
  launchChromium,
  screenshotDir,
  skipBrowserTests,
} from '../support/browser.js';
import { bearer, login } from '../support/http-helpers.js';
import { startTestRampart, strongPassword, type TestRampart } from '../support/test-rampart.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The security pages in a real browser against a real Rampart: an alert fires and is
 * silenced from the page, an incident is acknowledged and resolved with a note, the role
 * graph and the explain tool, a four-eyes approval decided by a second administrator, the
 * step-up message, and a VIEWER who sees these pages without any edit action.
 * Screenshots land in test-results/dashboard/.
 */
describe.skipIf(skipBrowserTests)('dashboard security pages in a browser', () => {
  let r: TestRampart;
  let hook: WebhookReceiver;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let requesterToken: string;
  const adminEmail = 'console-admin@example.com';
  const adminPassword = strongPassword();
  const cspViolations: string[] = [];

  const signIn = async (p: Page, email: string, password: string) => {
    await p.goto(`${url}/ui/`);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  };
  const shot = (name: string) =>
    page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
  const open = async (label: string, title = label) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  };

  beforeAll(async () => {
    ensureDashboardBuilt();
    hook = await startWebhookReceiver();
    r = await startTestRampart({
      overrides: {
        host: '127.0.0.1',
        alerts: {
          evaluationIntervalMs: 100,
          channels: [
            {
              name: 'ops-hook',
              type: 'webhook',
              url: `${hook.url}/hook`,
              secret: 'a-webhook-secret-of-some-length',
            },
          ],
        },
        lockout: { ipMaxFailures: 1000 },
        detectors: { bruteForceIp: { threshold: 5, window: 60 } },
        responses: { enabled: true },
        oauth: {
          providers: [
            { type: 'github', name: 'GitHub', clientId: 'Iv1.test', clientSecret: 'not-a-secret' },
          ],
        },
        authz: {
          // Only grants need a recent MFA login here, so the page's message can be shown.
          stepUp: { routes: ['POST /v1/authz/grants'] },
          approvals: { routes: ['POST /v1/admin/signing-keys/rotate'] },
        },
      },
    });
    url = await r.listen();
    await r.accounts.createAccount(
      { email: adminEmail, password: adminPassword, roles: ['ADMIN'] },
      { kind: 'system' },
    );
    const requester = 'requester@example.com';
    const requesterPassword = strongPassword();
    await r.accounts.createAccount(
      { email: requester, password: requesterPassword, roles: ['ADMIN'] },
      { kind: 'system' },
    );
    requesterToken = await login(r, requester, requesterPassword);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 850 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signIn(page, adminEmail, adminPassword);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await r?.close();
    await hook?.close();
  }, 60_000);

  it('shows a firing alert, silences it from the page, and sends a test to a channel', async () => {
    const created = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(requesterToken),
      payload: {
        name: 'brute-force-seen',
        signal: { labels: { detector: 'brute_force' } },
        aggregation: 'count',
        window: 300,
        operator: 'gte',
        threshold: 1,
        severity: 'high',
        groupBy: ['key'],
        channels: ['ops-hook'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    await r.events.publish({
      type: 'detector.signal',
      outcome: 'failure',
      actor: { kind: 'anonymous', ip: '203.0.113.77' },
      details: { detector: 'brute_force', severity: 'high', key: '203.0.113.77', evidence: {} },
    });
    await open('Alerts');
    const row = page.locator('tbody tr', { hasText: 'brute-force-seen' }).first();
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await row.count()) > 0 && /firing/.test((await row.textContent()) ?? '');
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    expect(await row.textContent()).toContain('key=203.0.113.77');
    await row.getByRole('button', { name: 'Silence brute-force-seen' }).click();
    const matchers = await page.getByLabel('Label matchers (one a line)').inputValue();
    expect(matchers).toContain('alertname=brute-force-seen');
    expect(matchers).toContain('key=203.0.113.77');
    await page.getByLabel('Duration').selectOption({ label: '1 hour' });
    await page.getByLabel('Comment').fill('known scanner');
    await page.getByRole('button', { name: 'Create silence' }).click();
    const silence = page
      .getByRole('region', { name: 'Silences' })
      .locator('tbody tr', { hasText: 'known scanner' });
    await silence.waitFor();
    expect(await silence.textContent()).toContain('active');
    const silences = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/silences',
      headers: bearer(requesterToken),
    });
    const items = silences.json<{ items: { active: boolean; matchers: { label: string }[] }[] }>()
      .items;
    expect(items).toHaveLength(1);
    expect(items[0]?.active).toBe(true);
    expect(items[0]?.matchers.map((m) => m.label)).toContain('alertname');
    // Rules are listed, and an API rule can be edited from the page.
    const rule = page
      .getByRole('region', { name: 'Rules' })
      .locator('tbody tr', { hasText: 'brute-force-seen' });
    await rule.getByRole('button', { name: 'Edit brute-force-seen' }).click();
    await page.getByLabel('Threshold').fill('3');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect.poll(async () => (await rule.textContent()) ?? '').toContain('≥ 3');
    await page.getByRole('button', { name: 'Send a test to ops-hook' }).click();
    await page.getByText(/Test to ops-hook: delivered/).waitFor();
    await page
      .getByRole('region', { name: 'Latest deliveries' })
      .locator('tbody tr', { hasText: 'test' })
      .first()
      .waitFor();
    expect(hook.requests.length).toBeGreaterThan(0);
    const history = page.getByRole('region', { name: 'History' });
    await history.getByLabel('State').selectOption('firing');
    await history.locator('tbody tr', { hasText: 'brute-force-seen' }).first().waitFor();
    await history.getByLabel('State').selectOption('pending');
    await history.getByText('No transition matches these filters.').waitFor();
    await history.getByLabel('State').selectOption('');
    await shot('alerts');
  }, 60_000);

  it('opens an incident by hand, acknowledges it and resolves it with a note on the timeline', async () => {
    await open('Incidents');
    await page.getByLabel('Title').fill('Credential stuffing from one ASN');
    await page.getByLabel('Severity').selectOption('high');
    await page.getByRole('button', { name: 'Open incident' }).click();
    const detail = page.getByRole('region', { name: /Credential stuffing from one ASN/ });
    await detail.waitFor();
    await detail.getByRole('button', { name: 'Acknowledge' }).click();
    await detail.getByRole('heading', { name: /acknowledged/ }).waitFor();
    const timeline = detail.getByRole('list', { name: 'Timeline' });
    await detail.getByLabel('Note').fill('Traffic comes from AS64500 only.');
    await detail.getByRole('button', { name: 'Add note' }).click();
    await timeline
      .locator('li', { hasText: 'AS64500' })
      .getByText('note', { exact: true })
      .waitFor();
    await detail.getByLabel('Note').fill('Blocked the ASN at the edge; no account taken over.');
    await detail.getByRole('button', { name: 'Resolve' }).click();
    await detail.getByRole('heading', { name: /resolved/ }).waitFor();
    await timeline.getByText(/no account taken over/).waitFor();
    const text = (await timeline.textContent()) ?? '';
    expect(text).toMatch(/acknowledged/);
    expect(text).toMatch(/resolved/);
    await expect
      .poll(() => detail.getByRole('button', { name: 'Resolve' }).count(), { timeout: 10_000 })
      .toBe(0);
    await page.getByLabel('Status').selectOption('resolved');
    await page
      .locator('tbody tr', { hasText: 'Credential stuffing from one ASN' })
      .first()
      .waitFor();
    await shot('incidents');
    await open('Responses & report', 'Responses and report');
    await page
      .getByRole('heading', { name: /Read-only mode/ })
      .getByText('off')
      .waitFor();
    await page.getByRole('heading', { name: 'Security report' }).waitFor();
    await page.getByText('mean time to resolve').waitFor();
    await shot('responses');
  }, 60_000);

  it('draws the role graph with inheritance, and the explain tool says why', async () => {
    await open('Policy');
    await page.getByRole('button', { name: 'New or changed role' }).click();
    const roleForm = page.getByRole('form', { name: 'Create or replace a custom role' });
    await roleForm.getByLabel('Role name').fill('auditor');
    await roleForm.getByLabel('Inherits').fill('VIEWER');
    await roleForm.getByLabel('Permissions').fill('reports:export');
    await roleForm.getByRole('button', { name: 'Save role' }).click();
    const graph = page.getByRole('img', { name: /Role inheritance/ });
    await graph.locator('[data-role="auditor"]').waitFor();
    expect(await graph.getAttribute('aria-label')).toContain('auditor inherits VIEWER');
    expect(await graph.getAttribute('aria-label')).toContain('ADMIN inherits DEVELOPER');
    expect(await graph.locator('[data-edge="auditor->VIEWER"]').count()).toBe(1);
    expect(await graph.locator('[data-edge="DEVELOPER->VIEWER"]').count()).toBe(1);
    // The most powerful roles are drawn above the roles they inherit.
    const y = async (role: string) =>
      (await graph.locator(`[data-role="${role}"]`).boundingBox())?.y ?? Number.NaN;
    expect(await y('ADMIN')).toBeLessThan(await y('DEVELOPER'));
    expect(await y('auditor')).toBeLessThan(await y('VIEWER'));

    const explain = page.getByRole('region', { name: 'Explain a decision' });
    await explain.getByLabel('Principal id').fill('acct-123');
    await explain.getByLabel('Roles held').fill('auditor');
    await explain.getByLabel('Action').fill('read');
    await explain.getByLabel('Resource type').fill('audit');
    await explain.getByRole('button', { name: 'Explain', exact: true }).click();
    const answer = explain.locator('.explain-result');
    await answer.getByText('Allowed', { exact: true }).waitFor();
    const why = (await answer.textContent()) ?? '';
    expect(why).toContain('allowed_by_role');
    expect(why).toContain('auditor → VIEWER');
    await explain.getByLabel('Action').fill('delete');
    await explain.getByRole('button', { name: 'Explain', exact: true }).click();
    await answer.getByText('Denied', { exact: true }).waitFor();
    await shot('policy');
  }, 60_000);

  it('tells the administrator to sign in again with MFA when a change needs step-up', async () => {
    const form = page.getByRole('form', { name: 'Add a grant' });
    await form.getByLabel('Role or principal').fill('auditor');
    await form.getByLabel('Resource type').fill('docs');
    await form.getByLabel('Actions').fill('read');
    await form.getByRole('button', { name: 'Add grant' }).click();
    const notice = page.getByRole('alert').filter({ hasText: 'step_up_required' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/sign in again with your authenticator code/);
  });

  it("lets a second administrator approve a request, and refuses one's own with a clear problem", async () => {
    const asked = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/signing-keys/rotate',
      headers: bearer(requesterToken),
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const { approvalId } = asked.json<{ approvalId: string }>();
    // The browser's administrator asks for one too.
    const own = await page.evaluate(async () => {
      const res = await fetch('/v1/admin/signing-keys/rotate', { method: 'POST' });
      return res.status;
    });
    expect(own).toBe(202);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Policy' }).waitFor();
    const approvals = page.getByRole('region', { name: 'Pending approvals' });
    const mine = approvals.locator('tbody tr', { hasText: 'you' });
    const theirs = approvals.locator('tbody tr').filter({ hasNotText: 'you' });
    await mine.waitFor();
    await shot('approvals');
    await mine.getByRole('button', { name: /Approve/ }).click();
    await approvals.getByRole('alert').filter({ hasText: 'approval_self_refused' }).waitFor();
    await theirs.getByRole('button', { name: /Approve/ }).click();
    await expect.poll(() => approvals.locator('tbody tr').count()).toBe(1);
    const rotated = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/signing-keys/rotate',
      headers: { ...bearer(requesterToken), 'approval-id': approvalId },
    });
    expect(rotated.statusCode, rotated.body).toBeLessThan(300);
    expect(rotated.statusCode).not.toBe(202);
  });

  it('shows a VIEWER the alerts and the policy with no edit action', async () => {
    const email = 'console-viewer@example.com';
    const password = strongPassword();
    await r.accounts.createAccount({ email, password, roles: ['VIEWER'] }, { kind: 'system' });
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const viewer = await viewerContext.newPage();
      viewer.setDefaultTimeout(15_000);
      await signIn(viewer, email, password);
      const nav = viewer.getByRole('navigation', { name: 'Main' });
      const links = await nav.getByRole('link').allTextContents();
      expect(links).toEqual([
        'Overview',
        'Live events',
        'Alerts',
        'API keys',
        'Policy',
        'My account',
      ]);
      await viewer.goto(`${url}/ui/#/incidents`);
      await viewer.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      await nav.getByRole('link', { name: 'Alerts' }).click();
      await viewer.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
      await viewer.locator('tbody tr', { hasText: 'brute-force-seen' }).first().waitFor();
      for (const name of [/Silence/, 'New rule', /Edit/, /Delete/, /Send a test/, /Remove/])
        expect(await viewer.getByRole('button', { name }).count(), String(name)).toBe(0);
      await viewer.screenshot({ path: `${screenshotDir}viewer-alerts.png`, fullPage: true });
      await nav.getByRole('link', { name: 'Policy' }).click();
      await viewer.getByRole('img', { name: /auditor inherits VIEWER/ }).waitFor();
      for (const name of ['New or changed role', 'Add grant', 'Explain', /Approve/, /Remove/])
        expect(await viewer.getByRole('button', { name }).count(), String(name)).toBe(0);
      const refused = await viewer.evaluate(async () => {
        const res = await fetch('/v1/alerts/silences', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            matchers: [{ label: 'alertname', op: '=', value: 'x' }],
            endsAt: new Date(Date.now() + 60_000).toISOString(),
          }),
        });
        return { status: res.status, code: ((await res.json()) as { code: string }).code };
      });
      expect(refused).toEqual({ status: 403, code: 'permission_denied' });
    } finally {
      await viewerContext.close();
    }
  });

  it('turns read-only mode off from the responses page', async () => {
    const on = await r.app.inject({
      method: 'PUT',
      url: '/v1/admin/read-only',
      headers: bearer(requesterToken),
      payload: { reason: 'drill' },
    });
    expect(on.statusCode, on.body).toBe(200);
    await page.goto(`${url}/ui/#/responses`);
    const heading = page.getByRole('heading', { name: /Read-only mode/ });
    await heading.getByText('on', { exact: true }).waitFor();
    await page.getByText(/drill/).waitFor();
    await page.getByRole('button', { name: 'Turn read-only mode off' }).click();
    await page.getByRole('button', { name: 'Confirm: Turn read-only mode off' }).click();
    await heading.getByText('off', { exact: true }).waitFor();
    const state = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/read-only',
      headers: bearer(requesterToken),
    });
    expect(state.json<{ enabled: boolean }>().enabled).toBe(false);
  });

  it('lists the ban a brute-force run caused, with its incident, and reverts it from the page', async () => {
    const attacker = '198.51.100.66';
    const blocked = async () =>
      (await r.app.inject({ method: 'GET', url: '/health', remoteAddress: attacker }))
        .statusCode === 403;
    for (let i = 0; i < 5; i++) {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: attacker,
        payload: { email: `victim${i}@example.com`, password: 'wrong password entirely' },
      });
      expect(res.statusCode).toBe(401);
    }
    await expect.poll(blocked, { timeout: 10_000 }).toBe(true);
    await r.response.settle();
    await open('Overview');
    await open('Responses & report', 'Responses and report');
    const row = page.locator('tbody tr', { hasText: attacker });
    await row.waitFor();
    expect(await row.textContent()).toContain('ban_ip');
    await shot('responses-ban');
    await row.getByRole('button', { name: 'Revert' }).click();
    await row.getByRole('button', { name: 'Confirm: revert ban_ip' }).click();
    await row.getByText('reverted', { exact: true }).waitFor();
    await shot('responses-ban');
    await expect.poll(blocked, { timeout: 10_000 }).toBe(false);
    await open('Incidents');
    await page.locator('tbody tr', { hasText: `bruteForceIp on ${attacker}` }).waitFor();
  }, 40_000);

  it('shows firing alerts, open incidents and the scheduled checks on the overview', async () => {
    await page.goto(`${url}/ui/#/overview`);
    await page.getByRole('link', { name: 'Open incidents' }).waitFor();
    const checks = page.getByRole('region', { name: /Scheduled checks/ });
    await expect
      .poll(
        async () => {
          await page.reload();
          await checks.waitFor();
          return checks.locator('tbody tr', { hasText: 'database' }).count();
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    await checks.getByRole('heading', { name: 'Recent changes' }).waitFor();
    await shot('overview-status');
    await page.getByRole('link', { name: 'Alerts firing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
  }, 40_000);

  it('offers social login on the sign-in page, and the account page its privacy controls', async () => {
    const anonymous = await browser.newContext();
    try {
      const signInPage = await anonymous.newPage();
      signInPage.setDefaultTimeout(15_000);
      await signInPage.goto(`${url}/ui/`);
      const github = signInPage.getByRole('link', { name: 'Sign in with GitHub' });
      await github.waitFor();
      const target = (await github.getAttribute('href')) ?? '';
      expect(target).toBe('/v1/auth/oauth/github/start?return=%2Fui%2F');
      const start = await fetch(`${url}${target}`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toMatch(
        /^https:\/\/github\.com\/login\/oauth\/authorize\?.*code_challenge_method=S256/,
      );
      await signInPage.screenshot({ path: `${screenshotDir}sign-in-social.png` });
    } finally {
      await anonymous.close();
    }

    await open('My account');
    await page.getByText('No provider identity is linked').waitFor();
    const marketing = page.getByLabel('marketing');
    expect(await marketing.isChecked()).toBe(false);
    const saved = page.waitForResponse(
      (res) => res.url().endsWith('/v1/me/consents') && res.request().method() === 'PUT',
    );
    await marketing.check();
    expect((await saved).status()).toBe(200);
    const exportHref =
      (await page.getByRole('link', { name: 'Download my data' }).getAttribute('href')) ?? '';
    expect(exportHref).toBe('/v1/me/export');
    const exported = await page.evaluate(async (href) => {
      const res = await fetch(href);
      const body = (await res.json()) as {
        account: { email: string };
        consents: { consents: { purpose: string; granted: boolean }[] };
      };
      return { status: res.status, email: body.account.email, consents: body.consents.consents };
    }, exportHref);
    expect(exported.status).toBe(200);
    expect(exported.email).toBe(adminEmail);
    expect(exported.consents).toContainEqual(
      expect.objectContaining({ purpose: 'marketing', granted: true }),
    );
    await shot('account-privacy');
    await open('Settings');
    const ring = page.getByRole('region', { name: 'Data key ring' });
    await ring.getByText('primary', { exact: true }).waitFor();
    await shot('settings-data-keys');
  }, 40_000);

  it('passes the basic accessibility check on the new pages, in both themes', async () => {
    const pages = ['overview', 'alerts', 'incidents', 'responses', 'policy', 'settings', 'account'];
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
    await page.goto(`${url}/ui/#/policy`);
    await page.getByRole('img', { name: /Role inheritance/ }).waitFor();
    await shot('policy-dark');
    await page.setViewportSize({ width: 1024, height: 700 });
    for (const name of ['alerts', 'incidents', 'policy']) {
      await page.goto(`${url}/ui/#/${name}`);
      await page.locator('h1').waitFor();
      expect(
        await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
        name,
      ).toBe(true);
    }
    await page.getByRole('button', { name: 'Light theme' }).click();
  }, 60_000);

  it('ran every page without a CSP violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
