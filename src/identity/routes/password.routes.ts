import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { PasswordService } from '../core/password-service.js';
import {
  PasswordChangeBody,
  PasswordChanged,
  PasswordResetAccepted,
  PasswordResetBody,
  PasswordResetDone,
  PasswordResetRequestBody,
} from '../schemas.js';

export interface PasswordRoutesOptions {
  passwords: PasswordService;
  auth: Authenticator;
}

/** The one answer to every accepted reset request, whether or not the account exists. */
const resetAccepted = {
  status: 'accepted' as const,
  message: 'If an account uses this email, a link to reset its password is on its way.',
};

export const passwordRoutes: FastifyPluginAsyncTypebox<PasswordRoutesOptions> = async (
  app,
  { passwords, auth },
) => {
  app.post(
    '/v1/auth/password/change',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['auth'],
        summary: 'Change your password; every other session is signed out',
        description:
          'A wrong current_password is 401 invalid_credentials and counts against the lockout budget like a failed login. This session stays; every other one ends with its access tokens at once.',
        security: [{ bearerAuth: [] }],
        body: PasswordChangeBody,
        response: { 200: PasswordChanged },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const { endedSessions } = await passwords.change(
        {
          accountId: principal.id,
          sessionId: principal.sessionId,
          currentPassword: request.body.current_password,
          newPassword: request.body.new_password,
        },
        requestContext(request),
      );
      reply.header('cache-control', 'no-store');
      return { ended_sessions: endedSessions };
    },
  );

  app.post(
    '/v1/auth/password/reset-request',
    {
      schema: {
        tags: ['auth'],
        summary: 'Email a single-use password reset link',
        description:
          'Always 202 with the same body, whether or not an account uses the email; the mail is sent after the response. Past the per-email or per-network budget: 429 password_reset_rate_limited.',
        body: PasswordResetRequestBody,
        response: { 202: PasswordResetAccepted },
      },
    },
    async (request, reply) => {
      await passwords.requestReset(request.body, requestContext(request));
      return reply.code(202).header('cache-control', 'no-store').send(resetAccepted);
    },
  );

  app.post(
    '/v1/auth/password/reset',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the emailed token; every session is signed out',
        description:
          'The token works once and only until it expires; a newer link replaces older ones. A reset also lifts a lockout of the account.',
        body: PasswordResetBody,
        response: { 200: PasswordResetDone },
      },
    },
    async (request, reply) => {
      const { endedSessions } = await passwords.reset(
        { token: request.body.token, newPassword: request.body.new_password },
        requestContext(request),
      );
      reply.header('cache-control', 'no-store');
      return { ended_sessions: endedSessions };
    },
  );
};
