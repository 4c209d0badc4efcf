import { Secret } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../src/identity/core/totp-codes.js';
import {
  ensureDashboardBuilt,
  launchChromium,
  screenshotDir,
  skipBrowserTests,
} from '../support/browser.js';
import { startTestRampart, strongPassword, type TestRampart } from '../support/test-rampart.js';

/** A role that requires MFA: the first sign-in enrols an authenticator before any session. */
describe.skipIf(skipBrowserTests)('dashboard sign-in with MFA enrolment', () => {
  let r: TestRampart;
  let browser: Browser;
  beforeAll(async () => {
    ensureDashboardBuilt();
    r = await startTestRampart({
      overrides: { host: '127.0.0.1', mfa: { requiredRoles: ['ADMIN'] } },
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await r?.close();
  }, 60_000);

  it('enrols TOTP during the first sign-in and shows the recovery codes once', async () => {
    const url = await r.listen();
    const email = 'new-admin@example.com';
    const password = strongPassword();
    await r.accounts.createAccount({ email, password, roles: ['ADMIN'] }, { kind: 'system' });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${url}/ui/`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Your role requires a second factor').waitFor();
      const secret = (await page.locator('.secret code').textContent()) ?? '';
      await page
        .getByLabel('Authentication code')
        .fill(generateTotpCode(Secret.fromBase32(secret).bytes, Date.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('pre.codes').waitFor();
      expect(((await page.locator('pre.codes').textContent()) ?? '').split('\n')).toHaveLength(10);
      await page.screenshot({ path: `${screenshotDir}sign-in-enrolment.png` });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
