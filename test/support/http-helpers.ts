import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { strongPassword, type TestRampart } from './test-rampart.js';

export interface TestUser {
  email: string;
  password: string;
  token: string;
}

/** Posts a raw JSON text (or any payload) with an explicit content type. */
export function postRaw(
  r: TestRampart,
  url: string,
  payload: string,
  contentType = 'application/json',
): Promise<LightMyRequestResponse> {
  return r.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });
}

/** Logs in over HTTP and returns the access token; fails the test on any other answer. */
export async function login(r: TestRampart, email: string, password: string): Promise<string> {
  const res = await r.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

/** Registers a self-service account over HTTP (open registration) and logs it in. */
export async function registerUser(r: TestRampart, email: string): Promise<TestUser> {
  const password = strongPassword();
  const res = await r.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { email, password, token: await login(r, email, password) };
}

/** Creates an administrator as an operator would (CLI path) and logs it in over HTTP. */
export async function createAdmin(r: TestRampart, email = 'admin@example.com'): Promise<TestUser> {
  const password = strongPassword();
  await r.accounts.createAccount({ email, password, roles: ['ADMIN'] }, { kind: 'system' });
  return { email, password, token: await login(r, email, password) };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * Asserts the RFC 9457 shape every error shares: problem+json, the code, the status, a
 * requestId equal to the X-Request-Id header, and no stack trace. Returns the document.
 */
export function expectProblem(
  res: LightMyRequestResponse,
  status: number,
  code: string,
): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(String(body.type)).toMatch(new RegExp(`/problems/${code}$`));
  expect(typeof body.title).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  expect(res.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
  expect(body).not.toHaveProperty('stack');
  return body;
}

export interface TokenPairJson {
  access_token: string;
  refresh_token: string;
  session_id: string;
  expires_in: number;
}

/** Logs in and returns the whole token response. */
export async function loginSession(
  r: TestRampart,
  email: string,
  password: string,
  headers: Record<string, string> = {},
  remoteAddress?: string,
): Promise<TokenPairJson> {
  const res = await r.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TokenPairJson>();
}

/** Creates an account directly (operator path) with a fresh strong password. */
export async function createUser(
  r: TestRampart,
  email: string,
  roles: ('ADMIN' | 'DEVELOPER' | 'VIEWER')[] = [],
): Promise<{ email: string; password: string; id: string }> {
  const password = strongPassword();
  const account = await r.accounts.createAccount({ email, password, roles }, { kind: 'system' });
  return { email, password, id: account.id };
}
