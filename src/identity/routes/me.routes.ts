import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountJson } from '../account-json.js';
import type { Authenticator } from '../authenticate.js';
import type { AccountService } from '../core/account-service.js';
import { type LinkedIdentityJson, MeSchema } from '../schemas.js';

export interface MeRoutesOptions {
  accounts: AccountService;
  auth: Authenticator;
  /** The account's linked provider identities (social login), when that is wired in. */
  identitiesOf?: ((accountId: string) => Promise<LinkedIdentityJson[]>) | undefined;
}

export const meRoutes: FastifyPluginAsyncTypebox<MeRoutesOptions> = async (
  app,
  { accounts, auth, identitiesOf },
) => {
  app.get(
    '/v1/me',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'The authenticated account',
        security: [{ bearerAuth: [] }],
        response: { 200: MeSchema },
      },
    },
    async (request) => {
      // requireUser guarantees a principal; fail closed if that ever changes.
      const id = request.principal?.id;
      if (!id) throw new Error('principal missing after authentication');
      const account = accountJson(await accounts.getAccount(id));
      if (!identitiesOf) return account;
      return { ...account, identities: await identitiesOf(id) };
    },
  );
};
