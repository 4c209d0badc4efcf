import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import { accountJson } from '../account-json.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { AccountService } from '../core/account-service.js';
import type { LoginResult, LoginService } from '../core/login-service.js';
import { userActor } from '../core/request-context.js';
import type { SessionService, TokenPair } from '../core/session-service.js';
import { identityErrors } from '../errors.js';
import {
  AccountSchema,
  BootstrapBody,
  LoginBody,
  MfaLoginBody,
  RefreshBody,
  RegisterBody,
  TokenResponse,
} from '../schemas.js';

export interface AuthRoutesOptions {
  accounts: AccountService;
  login: LoginService;
  sessions: SessionService;
  auth: Authenticator;
}

export function tokenResponse(reply: FastifyReply, tokens: TokenPair) {
  // RFC 6749 §5.1: token responses must not be cached.
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  return {
    access_token: tokens.accessToken.token,
    token_type: 'Bearer' as const,
    expires_in: tokens.accessToken.expiresIn,
    refresh_token: tokens.refreshToken,
    session_id: tokens.sessionId,
  };
}

/** A login that needs a second factor is a 401 problem carrying the mfa_token. */
export function loginOutcome(reply: FastifyReply, result: LoginResult) {
  if (result.kind === 'session') return tokenResponse(reply, result.tokens);
  reply.header('cache-control', 'no-store');
  throw new RampartError(
    result.kind === 'mfa_required'
      ? identityErrors.mfa_required
      : identityErrors.mfa_enrollment_required,
    {
      extensions: {
        mfa_token: result.mfaToken,
        expires_in: result.expiresIn,
        mfa_methods: result.kind === 'mfa_required' ? ['totp', 'recovery_code'] : ['totp'],
      },
    },
  );
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (
  app,
  { accounts, login, sessions, auth },
) => {
  app.post(
    '/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account (open, invite-only or closed by configuration)',
        body: RegisterBody,
        response: { 201: AccountSchema },
      },
    },
    async (request, reply) => {
      const { email, password, name, invite_token: inviteToken } = request.body;
      const account = await accounts.register(
        { email, password, name, inviteToken },
        requestContext(request),
      );
      return reply.code(201).send(accountJson(account));
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a session (access and refresh tokens)',
        description:
          'Every failure is 401 invalid_credentials, in the same time whether or not the account exists or is locked. An account with MFA gets 401 mfa_required with an mfa_token for POST /v1/auth/login/mfa.',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) =>
      loginOutcome(reply, await login.login(request.body, requestContext(request))),
  );

  app.post(
    '/v1/auth/login/mfa',
    {
      schema: {
        tags: ['auth'],
        summary: 'Complete a login with a TOTP code or a recovery code',
        body: MfaLoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { mfa_token: mfaToken, code, recovery_code: recoveryCode } = request.body;
      if ((code === undefined) === (recoveryCode === undefined)) {
        throw new RampartError(identityErrors.invalid_mfa_code, {
          detail: 'Send exactly one of code and recovery_code.',
        });
      }
      const proof = code !== undefined ? { code } : { recoveryCode: recoveryCode as string };
      const result = await login.verifySecondFactor(mfaToken, proof, requestContext(request));
      return tokenResponse(reply, result.tokens);
    },
  );

  app.post(
    '/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token into a new token pair',
        description:
          'The presented token is spent. Presenting a spent token again revokes the whole session and every access token it issued (reuse detection).',
        body: RefreshBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) =>
      tokenResponse(
        reply,
        await sessions.refresh(request.body.refresh_token, requestContext(request)),
      ),
  );

  app.post(
    '/v1/auth/logout',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['auth'],
        summary:
          'End this session: its refresh token and every access token it issued stop working at once',
        security: [{ bearerAuth: [] }],
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      await auth.revokeToken(principal);
      if (principal.sessionId)
        await sessions.revoke(principal.sessionId, 'logout', userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/logout-all',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['auth'],
        summary: 'End every session of the account, this one included',
        security: [{ bearerAuth: [] }],
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      await auth.revokeToken(principal);
      await sessions.revokeAll(principal.id, 'logout_all', userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/bootstrap',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create the first administrator with the one-time bootstrap token',
        description:
          'The token is printed at the first development start while no administrator exists.',
        body: BootstrapBody,
        response: { 201: AccountSchema },
      },
    },
    async (request, reply) => {
      const account = await accounts.bootstrapAdmin(request.body, requestContext(request));
      return reply.code(201).send(accountJson(account));
    },
  );
};
