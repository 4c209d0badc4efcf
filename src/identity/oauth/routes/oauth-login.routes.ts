import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { RampartError } from '../../../errors/rampart-error.js';
import { requestContext } from '../../authenticate.js';
import { cookieOf, sessionCookies } from '../../cookie-session.js';
import { loginOutcome } from '../../routes/auth.routes.js';
import { TokenResponse } from '../../schemas.js';
import type { OAuthLoginService } from '../core/oauth-login-service.js';
import type { ProviderRegistry } from '../core/provider-registry.js';
import { oauthErrors } from '../errors.js';
import {
  CallbackQuery,
  ExchangeBody,
  ProviderParams,
  PublicProviderList,
  StartQuery,
} from '../schemas.js';

export interface OAuthLoginRoutesOptions {
  service: OAuthLoginService;
  providers: ProviderRegistry;
  publicUrl: string;
  /** Seconds the state cookie lives (oauth.stateTtl). */
  stateTtl: number;
  /** Seconds the refresh cookie lives (session.absoluteLifetime). */
  sessionLifetime: number;
  defaultReturnPath: string;
}

/**
 * The state cookie binds a started sign-in to this browser (RFC 9700 §4.7.1): it holds the
 * state's hash, and a callback whose state does not match it is refused. SameSite=Lax,
 * because the provider sends the browser back with a cross-site top-level GET.
 */
export function stateCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https://') ? '__Host-rampart_oauth' : 'rampart_oauth';
}

export function setStateCookie(
  reply: FastifyReply,
  publicUrl: string,
  digest: string,
  maxAge: number,
): void {
  reply.header(
    'set-cookie',
    serialize(stateCookieName(publicUrl), digest, {
      httpOnly: true,
      secure: publicUrl.startsWith('https://'),
      sameSite: 'lax',
      path: '/',
      maxAge,
    }),
  );
}

// One leading slash and no `//` or `/\` (scheme-relative: another host), no control or
// space characters: the browser stays on this origin (an open redirect otherwise).
const sameOriginPath = /^\/(?![/\\])[^\s\\]*$/;

/** Only a path on this origin; a fragment is dropped (Rampart adds its own). */
export function returnPathOf(value: string | undefined, fallback: string): string {
  const path = value ?? fallback;
  if (!sameOriginPath.test(path)) throw new RampartError(oauthErrors.oauth_return_invalid);
  const hash = path.indexOf('#');
  return hash === -1 ? path : path.slice(0, hash);
}

function fragment(path: string, values: Record<string, string>): string {
  return `${path}#${new URLSearchParams(values).toString()}`;
}

export const oauthLoginRoutes: FastifyPluginAsyncTypebox<OAuthLoginRoutesOptions> = async (
  app,
  o,
) => {
  const cookieName = stateCookieName(o.publicUrl);
  const clearState = serialize(cookieName, '', {
    httpOnly: true,
    secure: o.publicUrl.startsWith('https://'),
    sameSite: 'lax',
    path: '/',
    maxAge: 0,
  });

  app.get(
    '/v1/auth/oauth/providers',
    {
      schema: {
        tags: ['auth'],
        summary: 'Social login providers a sign-in page can offer',
        response: { 200: PublicProviderList },
      },
    },
    async () => ({
      providers: (await o.providers.list())
        .filter((p) => p.enabled)
        .map((p) => ({
          id: p.id,
          type: p.type,
          name: p.name,
          start_url: `/v1/auth/oauth/${p.id}/start`,
        })),
    }),
  );

  app.get(
    '/v1/auth/oauth/:provider/start',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Start a social login: redirects to the provider (authorization code, PKCE S256, state, nonce)',
        params: ProviderParams,
        querystring: StartQuery,
        response: { 302: Type.Null({ description: 'To the provider (Location).' }) },
      },
    },
    async (request, reply) => {
      const { url, stateDigest } = await o.service.start(request.params.provider, {
        mode: request.query.mode,
        returnPath: returnPathOf(request.query.return, o.defaultReturnPath),
      });
      setStateCookie(reply, o.publicUrl, stateDigest, o.stateTtl);
      return reply.header('cache-control', 'no-store').redirect(url.href, 302);
    },
  );

  app.get(
    '/v1/auth/oauth/:provider/callback',
    {
      schema: {
        tags: ['auth'],
        summary: "The provider's redirect back: validates it and signs in (or links)",
        description:
          'Refuses a state not started in this browser (oauth_state_invalid), a reused code, an issuer or nonce mismatch, and denied consent, each with an audit event. Then sets the session cookies, or hands a one-time code (mode=code) in the fragment of the return path; an MFA account gets an mfa_token there instead.',
        params: ProviderParams,
        querystring: CallbackQuery,
        response: {
          302: Type.Null({
            description: 'To the return path; its fragment carries code, mfa_token or linked.',
          }),
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('set-cookie', clearState);
      const outcome = await o.service.callback(
        request.params.provider,
        queryOf(request),
        cookieOf(request, cookieName),
        requestContext(request),
      );
      if (outcome.kind === 'linked')
        return reply.redirect(fragment(outcome.returnPath, { linked: outcome.providerId }), 302);
      if (outcome.kind === 'code')
        return reply.redirect(fragment(outcome.returnPath, { code: outcome.code }), 302);
      const { result } = outcome;
      if (result.kind !== 'session') {
        return reply.redirect(
          fragment(outcome.returnPath, {
            mfa: result.kind,
            mfa_token: result.mfaToken,
            expires_in: String(result.expiresIn),
          }),
          302,
        );
      }
      reply.header('set-cookie', [
        clearState,
        ...sessionCookies(
          {
            accessToken: result.tokens.accessToken.token,
            expiresIn: result.tokens.accessToken.expiresIn,
            refreshToken: result.tokens.refreshToken,
          },
          o.sessionLifetime,
        ),
      ]);
      return reply.redirect(outcome.returnPath, 302);
    },
  );

  app.post(
    '/v1/auth/oauth/exchange',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange the one-time code of a social login (mode=code) for a token pair',
        description:
          'The code works once, for oauth.codeTtl seconds. An account with MFA gets 401 mfa_required with an mfa_token for POST /v1/auth/login/mfa, as after a password.',
        body: ExchangeBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) =>
      loginOutcome(reply, await o.service.exchange(request.body.code, requestContext(request))),
  );
};

/** The raw query of the callback: its parameters go to the client library as sent. */
function queryOf(request: FastifyRequest): URLSearchParams {
  const q = request.url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1));
}
