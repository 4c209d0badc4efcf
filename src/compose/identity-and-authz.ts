import type { Kysely } from 'kysely';
import { type Authz, createAuthz } from '../authz/create-authz.js';
import type { Sealer } from '../dataprotect/core/sealer.js';
import { createIdentity, type Identity } from '../identity/create-identity.js';
import { createOAuth, type OAuth } from '../identity/oauth/index.js';
import type { IdentityStores } from '../identity/store.js';
import type { Mailer } from '../mail/mailer.js';
import { openMailer } from '../mail/open-mailer.js';
import { SqlApiKeyStore } from '../storage/sql/sql-api-key-store.js';
import { SqlApprovalStore } from '../storage/sql/sql-approval-store.js';
import { SqlAuthzPolicyStore } from '../storage/sql/sql-authz-store.js';
import { SqlOAuthStore } from '../storage/sql/sql-oauth-store.js';
import { SqlResponseStore } from '../storage/sql/sql-response-store.js';
import type { ComposeContext } from './compose-context.js';

/** Authorization: the stored policy (roles, grants, assignments) and approvals. */
export async function openAuthz(ctx: ComposeContext, sealer: Sealer): Promise<Authz> {
  const { config, database, hot, events, logger } = ctx;
  const authz = await createAuthz({
    config,
    policyStore: new SqlAuthzPolicyStore(database.db),
    // Bound requests are sealed by the data key ring, like every secret at rest.
    approvalStore: new SqlApprovalStore(database.db, sealer),
    pubsub: hot.pubsub,
    events,
    logger,
  });
  ctx.cleanups.push(() => authz.close());
  return authz;
}

export interface IdentityParts {
  /** Automated responses' records; identity asks it whether an account must use MFA. */
  readonly responseStore: SqlResponseStore;
  readonly mailer: Mailer;
  readonly identity: Identity;
  readonly oauthStore: SqlOAuthStore;
  readonly oauth: OAuth;
}

/** The mailer, the identity capability (accounts, login, sessions, keys) and social login. */
export async function openIdentity(
  ctx: ComposeContext,
  parts: { stores: IdentityStores; sealer: Sealer; authz: Authz },
): Promise<IdentityParts> {
  const { config, database, hot, events, logger, cleanups } = ctx;
  const { stores, sealer, authz } = parts;
  const responseStore = new SqlResponseStore(database.db as unknown as Kysely<unknown>);
  const mailer = openMailer(config, logger);
  cleanups.push(() => mailer.close());
  const identity = await createIdentity({
    config,
    stores,
    apiKeyStore: new SqlApiKeyStore(database.db),
    hot,
    events,
    sealer,
    mailer,
    logger,
    authorizer: authz.policy,
    mfaRequired: (accountId) => responseStore.isRequired(accountId),
  });
  cleanups.push(() => identity.close());
  const oauthStore = new SqlOAuthStore(database.db, database.dialect);
  const oauth = await createOAuth({
    config,
    store: oauthStore,
    accounts: stores.accounts,
    identity,
    hot,
    events,
    sealer,
  });
  cleanups.push(() => oauth.close());
  return { responseStore, mailer, identity, oauthStore, oauth };
}
