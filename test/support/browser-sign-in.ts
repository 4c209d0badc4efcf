import { Secret } from 'otpauth';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { generateTotpCode } from '../../src/identity/core/totp-codes.js';
import { bearer, login } from './http-helpers.js';
import type { TestRampart } from './test-rampart.js';

/**
 * An account's authenticator for browser tests: each TOTP step is accepted once, and a
 * code is good one step either side of now, so the next code is the one after the last
 * step used, waiting for the clock if needed.
 */
export class TestAuthenticator {
  #secret: Uint8Array;
  #lastStep = 0;
  constructor(secret: Uint8Array, usedStep: number) {
    this.#secret = secret;
    this.#lastStep = usedStep;
  }
  async nextCode(): Promise<string> {
    const stepOf = (ms: number) => Math.floor(ms / 30_000);
    while (stepOf(Date.now()) + 1 <= this.#lastStep)
      await new Promise((done) => setTimeout(done, 500));
    this.#lastStep = stepOf(Date.now()) + 1;
    return generateTotpCode(this.#secret, this.#lastStep * 30_000);
  }
}

/** Turns TOTP on for an account over the API, as its owner would from the account page. */
export async function enableTestTotp(
  r: TestRampart,
  email: string,
  password: string,
): Promise<TestAuthenticator> {
  const token = await login(r, email, password);
  const setup = await r.app.inject({
    method: 'POST',
    url: '/v1/mfa/totp/setup',
    headers: bearer(token),
  });
  const secret = Secret.fromBase32(setup.json<{ secret: string }>().secret).bytes;
  const step = Math.floor(Date.now() / 30_000);
  const activate = await r.app.inject({
    method: 'POST',
    url: '/v1/mfa/totp/activate',
    headers: bearer(token),
    payload: { code: generateTotpCode(secret, step * 30_000) },
  });
  expect(activate.statusCode, activate.body).toBe(200);
  return new TestAuthenticator(secret, step);
}

/** Signs in on the dashboard's page; with an authenticator, the second factor too. */
export async function signInOnPage(
  page: Page,
  url: string,
  user: { email: string; password: string; totp?: TestAuthenticator },
): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (user.totp) {
    await page.getByLabel('Authentication code').fill(await user.totp.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}
