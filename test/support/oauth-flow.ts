import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { SecurityEvent } from '../../src/events/security-event.js';
import type { TestRampart } from './test-rampart.js';

/** The browser side of a social login against a TestRampart (inject, no network). */
export interface StartedSignIn {
  /** The provider URL Rampart redirected to. */
  authorizationUrl: URL;
  /** The state cookie as the browser keeps it (`name=value`). */
  stateCookie: string;
}

export async function startSignIn(
  r: TestRampart,
  provider: string,
  query = 'mode=code',
): Promise<StartedSignIn> {
  const res = await r.app.inject({
    method: 'GET',
    url: `/v1/auth/oauth/${provider}/start?${query}`,
  });
  expect(res.statusCode, res.body).toBe(302);
  const cookie = res.cookies.find((c) => c.name.endsWith('rampart_oauth'));
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');
  return {
    authorizationUrl: new URL(String(res.headers.location)),
    stateCookie: `${cookie?.name}=${cookie?.value}`,
  };
}

/** Delivers the provider's redirect (`callback`, a URL on Rampart) with the browser's cookies. */
export function deliverCallback(
  r: TestRampart,
  callback: URL,
  cookie: string | undefined,
): Promise<LightMyRequestResponse> {
  return r.app.inject({
    method: 'GET',
    url: `${callback.pathname}${callback.search}`,
    headers: cookie ? { cookie } : {},
  });
}

/** The values Rampart put in the fragment of its final redirect. */
export function fragmentOf(res: LightMyRequestResponse): URLSearchParams {
  expect(res.statusCode, res.body).toBe(302);
  const location = String(res.headers.location);
  return new URLSearchParams(location.slice(location.indexOf('#') + 1));
}

/** Records every security event of `r` from now on. */
export function recordEvents(r: TestRampart): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  r.events.subscribe(`test-${Math.random()}`, (e) => {
    events.push(e);
  });
  return events;
}
