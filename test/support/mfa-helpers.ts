import type { LightMyRequestResponse } from 'fastify';
import { Secret } from 'otpauth';
import { expect, vi } from 'vitest';
import { generateTotpCode } from '../../src/identity/core/totp-codes.js';
import { bearer, type TokenPairJson } from './http-helpers.js';
import type { TestRampart } from './test-rampart.js';

/**
 * Freezes `Date` (only `Date`: timers and I/O run as usual) in the middle of a 30-second
 * TOTP step, so a code never straddles a step boundary. Call it before startTestRampart:
 * Rampart's services capture `Date.now` when they are built. Undo with vi.useRealTimers().
 */
export function freezeTime(): void {
  const now = Date.now();
  vi.useFakeTimers({ toFake: ['Date'], now: now - (now % 30_000) + 15_000 });
}

export function advanceTime(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

/**
 * The code an authenticator app shows one step from now, moving the frozen clock there
 * first: each code is accepted once, so every use needs a step of its own.
 */
export function nextTotpCode(secret: Uint8Array): string {
  advanceTime(30_000);
  return generateTotpCode(secret, Date.now());
}

export function currentTotpCode(secret: Uint8Array): string {
  return generateTotpCode(secret, Date.now());
}

export interface TotpEnrolmentJson {
  secret: string;
  otpauthUrl: string;
  qrCode: string;
}

/** Turns TOTP on for the holder of `accessToken`; returns the secret's bytes and the recovery codes. */
export async function enableTotp(
  r: TestRampart,
  accessToken: string,
): Promise<{ secret: Uint8Array; recoveryCodes: string[] }> {
  const setup = await r.app.inject({
    method: 'POST',
    url: '/v1/mfa/totp/setup',
    headers: bearer(accessToken),
  });
  expect(setup.statusCode, setup.body).toBe(200);
  const secret = Secret.fromBase32(setup.json<TotpEnrolmentJson>().secret).bytes;
  const activate = await r.app.inject({
    method: 'POST',
    url: '/v1/mfa/totp/activate',
    headers: bearer(accessToken),
    payload: { code: nextTotpCode(secret) },
  });
  expect(activate.statusCode, activate.body).toBe(200);
  return { secret, recoveryCodes: activate.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

/** The password step of a login that must answer 401 with an mfa_token; returns it. */
export async function passwordStep(
  r: TestRampart,
  email: string,
  password: string,
  code: 'mfa_required' | 'mfa_enrollment_required' = 'mfa_required',
): Promise<string> {
  const res = await r.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
  });
  expect(res.statusCode, res.body).toBe(401);
  const body = res.json<Record<string, unknown>>();
  expect(body.code).toBe(code);
  expect(typeof body.mfa_token).toBe('string');
  return body.mfa_token as string;
}

/** The MFA step of a login. */
export function mfaStep(
  r: TestRampart,
  mfaToken: string,
  proof: { code: string } | { recovery_code: string },
  remoteAddress?: string,
): Promise<LightMyRequestResponse> {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/login/mfa',
    payload: { mfa_token: mfaToken, ...proof },
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

/** A full login with password and TOTP; returns the token pair. */
export async function loginWithTotp(
  r: TestRampart,
  user: { email: string; password: string },
  secret: Uint8Array,
): Promise<TokenPairJson> {
  const mfaToken = await passwordStep(r, user.email, user.password);
  const res = await mfaStep(r, mfaToken, { code: nextTotpCode(secret) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TokenPairJson>();
}
