import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { MfaService } from '../core/mfa-service.js';
import { userActor } from '../core/request-context.js';
import {
  DisableTotpBody,
  IdParams,
  MfaEnrollActivateBody,
  MfaEnrollActivateResponse,
  MfaStatusResponse,
  MfaTokenBody,
  RecoveryCodesResponse,
  TotpCodeBody,
  TotpSetupResponse,
} from '../schemas.js';
import { tokenResponse } from './auth.routes.js';

export interface MfaRoutesOptions {
  mfa: MfaService;
  auth: Authenticator;
}

/** Secrets and recovery codes are shown once: no cache may keep them. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export const mfaRoutes: FastifyPluginAsyncTypebox<MfaRoutesOptions> = async (
  app,
  { mfa, auth },
) => {
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/mfa',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['mfa'],
        summary: 'Your second factors and how many recovery codes are left',
        security,
        response: { 200: MfaStatusResponse },
      },
    },
    async (request) => {
      const status = await mfa.status(auth.principalOf(request).id);
      return {
        totp: {
          enabled: status.enabled,
          enabledAt: status.enabledAt === null ? null : new Date(status.enabledAt).toISOString(),
        },
        recoveryCodesRemaining: status.recoveryCodesRemaining,
      };
    },
  );

  app.post(
    '/v1/mfa/totp/setup',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['mfa'],
        summary: 'Start TOTP enrolment: a new secret as text, otpauth URL and QR code',
        description:
          'TOTP stays off until POST /v1/mfa/totp/activate proves the app holds the secret. 409 mfa_already_enabled when it is on.',
        security,
        response: { 200: TotpSetupResponse },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return mfa.setup(auth.principalOf(request).id);
    },
  );

  app.post(
    '/v1/mfa/totp/activate',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['mfa'],
        summary: 'Turn TOTP on with a first code; returns 10 single-use recovery codes',
        security,
        body: TotpCodeBody,
        response: { 200: RecoveryCodesResponse },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const recoveryCodes = await mfa.activate(
        principal.id,
        request.body.code,
        requestContext(request),
      );
      noStore(reply);
      return { recoveryCodes };
    },
  );

  app.delete(
    '/v1/mfa/totp',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['mfa'],
        summary: 'Turn TOTP off (needs the password and a current code)',
        description:
          'A wrong password or code is 401 invalid_credentials and counts toward the account lockout.',
        security,
        body: DisableTotpBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await mfa.disable(auth.principalOf(request).id, request.body, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/mfa/recovery-codes',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['mfa'],
        summary: 'Replace your recovery codes (needs a current code); the old ones stop working',
        security,
        body: TotpCodeBody,
        response: { 200: RecoveryCodesResponse },
      },
    },
    async (request, reply) => {
      const recoveryCodes = await mfa.regenerateRecoveryCodes(
        auth.principalOf(request).id,
        request.body.code,
        requestContext(request),
      );
      noStore(reply);
      return { recoveryCodes };
    },
  );

  app.post(
    '/v1/auth/login/mfa/enroll',
    {
      schema: {
        tags: ['auth'],
        summary: 'Enrol TOTP during a login whose role requires MFA',
        description:
          'Takes the mfa_token of a 401 mfa_enrollment_required answer; complete with POST /v1/auth/login/mfa/activate.',
        body: MfaTokenBody,
        response: { 200: TotpSetupResponse },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return mfa.setupAtLogin(request.body.mfa_token);
    },
  );

  app.post(
    '/v1/auth/login/mfa/activate',
    {
      schema: {
        tags: ['auth'],
        summary: 'Turn on the TOTP enrolled during a login and complete the login',
        description:
          'Returns the session tokens and 10 single-use recovery codes. The mfa_token is spent on success only.',
        body: MfaEnrollActivateBody,
        response: { 200: MfaEnrollActivateResponse },
      },
    },
    async (request, reply) => {
      const { recoveryCodes, tokens } = await mfa.activateAtLogin(
        request.body.mfa_token,
        request.body.code,
        requestContext(request),
      );
      return { ...tokenResponse(reply, tokens), recoveryCodes };
    },
  );

  app.delete(
    '/v1/admin/accounts/:id/mfa',
    {
      preHandler: auth.requireRole('ADMIN'),
      schema: {
        tags: ['admin'],
        summary: "Remove an account's second factor and recovery codes (a lost device)",
        security,
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      await mfa.reset(request.params.id, userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );
};
