import { parse as parseCookies, serialize } from 'cookie';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preValidationHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { RampartError } from '../errors/rampart-error.js';
import { identityErrors } from './errors.js';

/**
 * Cookie sessions for browsers (the dashboard): the same access and refresh tokens, kept
 * where page scripts cannot read them.
 *
 * A client opts in per request with `X-Rampart-Session: cookie` on a token-issuing call
 * (login, MFA completion, refresh): the tokens leave the JSON body and arrive as
 * `__Host-` cookies (Secure, HttpOnly, SameSite=Strict, Path=/, no Domain: bound to this
 * exact origin). Later requests authenticate with the access cookie; a refresh takes the
 * refresh cookie when the body has none; logout clears both.
 *
 * Cookies travel on their own, so every unsafe request that relies on them must prove it
 * comes from this origin (CSRF): `Sec-Fetch-Site: same-origin`, or, from a client that
 * does not send Fetch metadata, an `Origin` equal to the public URL's origin.
 */
export const accessCookie = '__Host-rampart_at';
export const refreshCookie = '__Host-rampart_rt';
const modeHeader = 'x-rampart-session';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const tokenRoutes = new Set([
  '/v1/auth/login',
  '/v1/auth/login/mfa',
  '/v1/auth/login/mfa/activate',
  '/v1/auth/refresh',
  '/v1/auth/oauth/exchange',
]);
const logoutRoutes = new Set(['/v1/auth/logout', '/v1/auth/logout-all']);

export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || !header.includes(name)) return undefined;
  return parseCookies(header)[name];
}

/** Refuses an unsafe cookie-authenticated request that may come from another site. */
export function assertSameOrigin(request: FastifyRequest, publicOrigin: string): void {
  if (safeMethods.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') {
    if (site === 'same-origin') return;
    throw new RampartError(identityErrors.csrf_rejected, { context: { secFetchSite: site } });
  }
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin === publicOrigin) return;
  throw new RampartError(identityErrors.csrf_rejected, {
    context: { origin: typeof origin === 'string' ? origin.slice(0, 200) : 'absent' },
  });
}

export interface CookieSessionOptions {
  publicUrl: string;
  /** Seconds the refresh cookie lives (the session's absolute lifetime). */
  refreshMaxAge: number;
}

function cookie(name: string, value: string, maxAge: number): string {
  return serialize(name, value, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    maxAge,
  });
}

/** The Set-Cookie values of a browser session (a social login's callback sets them directly). */
export function sessionCookies(
  tokens: { accessToken: string; expiresIn: number; refreshToken: string },
  refreshMaxAge: number,
): string[] {
  return [
    cookie(accessCookie, tokens.accessToken, tokens.expiresIn),
    cookie(refreshCookie, tokens.refreshToken, refreshMaxAge),
  ];
}

function clearCookies(reply: FastifyReply): void {
  reply.header('set-cookie', [cookie(accessCookie, '', 0), cookie(refreshCookie, '', 0)]);
}

function cookieSession(
  app: FastifyInstance,
  o: CookieSessionOptions,
  done: (err?: Error) => void,
): void {
  const publicOrigin = new URL(o.publicUrl).origin;

  // A refresh without a token in the body takes the refresh cookie (same-origin only).
  const refreshFromCookie: preValidationHookHandler = (request, _reply, next) => {
    const body = request.body as { refresh_token?: unknown } | null | undefined;
    if (body && typeof body === 'object' && 'refresh_token' in body) return next();
    const token = cookieOf(request, refreshCookie);
    if (token === undefined) return next();
    try {
      assertSameOrigin(request, publicOrigin);
    } catch (error) {
      return next(error as Error);
    }
    request.body = { refresh_token: token };
    // Whoever refreshes with the cookie gets cookies back.
    request.headers[modeHeader] = 'cookie';
    next();
  };

  const clearOnLogout: onSendHookHandler = (_request, reply, payload, next) => {
    if (reply.statusCode < 300) clearCookies(reply);
    next(null, payload);
  };

  const tokensToCookies =
    (url: string): onSendHookHandler =>
    (request, reply, payload, next) => {
      if (request.headers[modeHeader] !== 'cookie') return next(null, payload);
      if (reply.statusCode === 401 && url === '/v1/auth/refresh') {
        clearCookies(reply);
        return next(null, payload);
      }
      if (reply.statusCode !== 200 || typeof payload !== 'string') return next(null, payload);
      const tokens = JSON.parse(payload) as {
        access_token?: string;
        refresh_token?: string;
        expires_in?: number;
        session_id?: string;
        recoveryCodes?: string[];
      };
      if (!tokens.access_token || !tokens.refresh_token) return next(null, payload);
      reply.header('set-cookie', [
        cookie(accessCookie, tokens.access_token, tokens.expires_in ?? 900),
        cookie(refreshCookie, tokens.refresh_token, o.refreshMaxAge),
      ]);
      next(
        null,
        JSON.stringify({
          token_type: 'cookie',
          expires_in: tokens.expires_in,
          session_id: tokens.session_id,
          // Enrolment at login returns the recovery codes once: they must reach the person.
          ...(tokens.recoveryCodes ? { recoveryCodes: tokens.recoveryCodes } : {}),
        }),
      );
    };

  // Only the token-issuing, refresh and logout routes get the hooks: every other request
  // (an API call with a bearer token) pays nothing for cookie sessions.
  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (url === '/v1/auth/refresh') {
      route.preValidation = [...hooksOf(route.preValidation), refreshFromCookie];
    }
    if (logoutRoutes.has(url)) route.onSend = [...hooksOf(route.onSend), clearOnLogout];
    else if (tokenRoutes.has(url)) route.onSend = [...hooksOf(route.onSend), tokensToCookies(url)];
  });
  done();
}

/** A route option's hooks as an array (a route may give one hook, several or none). */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

export default fp(cookieSession, { name: 'rampart-cookie-session', fastify: '5.x' });
