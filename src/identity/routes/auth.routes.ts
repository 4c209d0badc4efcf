import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountJson } from '../account-json.js';
import { requestContext } from '../authenticate.js';
import type { AccountService } from '../core/account-service.js';
import {
  AccountSchema,
  BootstrapBody,
  LoginBody,
  RegisterBody,
  TokenResponse,
} from '../schemas.js';

export interface AuthRoutesOptions {
  accounts: AccountService;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (
  app,
  { accounts },
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
        summary: 'Exchange email and password for an access token',
        description:
          'Every failure is 401 invalid_credentials, in the same time whether or not the account exists.',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      const { accessToken } = await accounts.login(request.body, requestContext(request));
      // RFC 6749 §5.1: token responses must not be cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return {
        access_token: accessToken.token,
        token_type: 'Bearer' as const,
        expires_in: accessToken.expiresIn,
      };
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
