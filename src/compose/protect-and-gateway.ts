import { createGateway, type Gateway } from '../gateway/create-gateway.js';
import { gatewayRateLimitRules } from '../gateway/route-table.js';
import type { Identity } from '../identity/create-identity.js';
import { createProtect, type Protect } from '../protect/create-protect.js';
import { IpAccess } from '../protect/ip-access.js';
import { SqlRateLimitRuleStore } from '../protect/rate-limit-rules.js';
import type { RateLimiterStore } from '../protect/store.js';
import { SqlIpRuleStore } from '../storage/sql/sql-ip-rule-store.js';
import type { ComposeContext } from './compose-context.js';

/** Rate limits: configured routes, the gateway's, and the rules stored at run time. */
export async function openProtect(
  ctx: ComposeContext,
  rateLimitStore: RateLimiterStore | undefined,
): Promise<Protect> {
  const { config, database, hot, events, logger } = ctx;
  const protect = await createProtect({
    // Gateway routes with a rateLimit count under it, after the rateLimit.routes entries.
    config: {
      ...config,
      rateLimit: {
        ...config.rateLimit,
        routes: [...config.rateLimit.routes, ...gatewayRateLimitRules(config.gateway)],
      },
    },
    events,
    logger,
    ruleStore: new SqlRateLimitRuleStore(database.db),
    pubsub: hot.pubsub,
    ...(rateLimitStore ? { rateLimitStore } : {}),
  });
  ctx.cleanups.push(() => protect.close());
  return protect;
}

/** The gateway in front of `gateway.upstream`, authenticating with the identity capability. */
export function openGateway(ctx: ComposeContext, masterKey: Buffer, identity: Identity): Gateway {
  const { config, events, logger } = ctx;
  const gateway = createGateway({ config, masterKey, auth: identity.auth, events, logger });
  ctx.cleanups.push(() => gateway.close());
  return gateway;
}

/**
 * IP allow and deny rules and bans, loaded and followed across the cluster; automated
 * responses ban through it.
 */
export async function startIpAccess(ctx: ComposeContext): Promise<IpAccess> {
  const { config, database, hot, events, logger } = ctx;
  const ipAccess = new IpAccess({
    store: new SqlIpRuleStore(database.db),
    values: hot.values,
    pubsub: hot.pubsub,
    events,
    staticAllow: config.network.allow,
    staticDeny: config.network.deny,
    onBackgroundError: (error) => logger.warn({ err: error }, 'IP rules reload failed'),
  });
  ctx.cleanups.push(await ipAccess.start());
  return ipAccess;
}
