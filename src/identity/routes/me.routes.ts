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
  /** The same, when cached: without a promise, else undefined. */
  identitiesOfNow?: ((accountId: string) => LinkedIdentityJson[] | undefined) | undefined;
}

type AccountBody = ReturnType<typeof accountJson>;
type MeBody = AccountBody & { identities?: LinkedIdentityJson[] };

export const meRoutes: FastifyPluginAsyncTypebox<MeRoutesOptions> = async (
  app,
  { accounts, auth, identitiesOf, identitiesOfNow },
) => {
  // Both parts come from caches as frozen, shared objects: the body for one pair of them is
  // built once (GET /v1/me is the hot path of an authenticated read).
  const bodies = new WeakMap<AccountBody, { identities: LinkedIdentityJson[]; body: MeBody }>();
  const bodyOf = (account: AccountBody, identities: LinkedIdentityJson[] | undefined): MeBody => {
    if (identities === undefined) return account;
    const known = bodies.get(account);
    if (known?.identities === identities) return known.body;
    const body = { ...account, identities };
    bodies.set(account, { identities, body });
    return body;
  };
  const slow = async (id: string): Promise<MeBody> => {
    const account = accountJson(await accounts.getAccount(id));
    return bodyOf(account, identitiesOf ? await identitiesOf(id) : undefined);
  };
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
    // Not async: when both parts are cached the body is returned at once (Fastify sends a
    // value a handler returns), without the two promises the store path needs.
    (request) => {
      // requireUser guarantees a principal; fail closed if that ever changes.
      const id = request.principal?.id;
      if (!id) throw new Error('principal missing after authentication');
      const cached = accounts.getAccountNow(id);
      if (cached === undefined) return slow(id);
      if (!identitiesOf) return accountJson(cached);
      const identities = identitiesOfNow?.(id);
      return identities === undefined ? slow(id) : bodyOf(accountJson(cached), identities);
    },
  );
};
