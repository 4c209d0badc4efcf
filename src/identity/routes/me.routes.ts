import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountJson } from '../account-json.js';
import type { Authenticator } from '../authenticate.js';
import type { AccountService } from '../core/account-service.js';
import { AccountSchema } from '../schemas.js';

export interface MeRoutesOptions {
  accounts: AccountService;
  auth: Authenticator;
}

export const meRoutes: FastifyPluginAsyncTypebox<MeRoutesOptions> = async (
  app,
  { accounts, auth },
) => {
  app.get(
    '/v1/me',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'The authenticated account',
        security: [{ bearerAuth: [] }],
        response: { 200: AccountSchema },
      },
    },
    async (request) => {
      // requireUser guarantees a principal; fail closed if that ever changes.
      const id = request.principal?.id;
      if (!id) throw new Error('principal missing after authentication');
      return accountJson(await accounts.getAccount(id));
    },
  );
};
