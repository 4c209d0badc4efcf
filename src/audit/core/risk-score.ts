import type { SecurityEvent } from '../../events/security-event.js';

/**
 * Base risk by action, before the environment, MFA and outcome adjustments. The issue's
 * categories: deleting entities 9, token and key management 9, production deploy 8, mass
 * update 7, reading configuration 1, everything else 5. Routine session traffic (a login,
 * a refresh) sits below the default so that high scores stay rare and meaningful.
 * Keys are exact event types or prefixes ending in `*` (`apikey.*`); the longest match wins.
 */
export const defaultRiskBase: Readonly<Record<string, number>> = Object.freeze({
  // Deleting or disabling entities.
  'apikey.revoked': 9,
  'service_account.disabled': 9,
  'mfa.disabled': 9,
  'mfa.reset': 9,
  'session.revoked': 7,
  'gdpr.erased': 9,
  'account.deleted': 9,
  'ip.rule.lifted': 7,
  // Token and key management.
  'apikey.created': 9,
  'apikey.rotated': 9,
  'signing_key.created': 9,
  'signing_key.rotated': 9,
  'mfa.recovery_codes.regenerated': 9,
  'auth.bootstrap.used': 9,
  // Social login providers: client secrets and who may sign in.
  'oauth.provider.changed': 9,
  'apikey.exposed_in_url': 9,
  'secret.detected': 9,
  'data_key.*': 9,
  'master_key.*': 9,
  // Production deploys (configuration pushed by a pipeline).
  'deploy.*': 8,
  'config.changed': 8,
  // Mass updates: rules that affect many clients or accounts at once.
  'ip.rule.added': 7,
  'ip.banned': 7,
  'account.created_by_admin': 7,
  'account.roles.changed': 7,
  'auth.refresh.reused': 7,
  'signature.replayed': 7,
  // Reading configuration.
  'config.read': 1,
  // Routine traffic.
  'auth.login.succeeded': 3,
  'auth.oauth.login': 3,
  'auth.token.refreshed': 2,
  'auth.logout': 2,
  'auth.mfa.challenged': 2,
  'session.created': 3,
  'consent.changed': 2,
});

/** `['apikey.*=9', 'config.read=1']` → `{ 'apikey.*': 9, 'config.read': 1 }` (validated by the config schema). */
export function parseRiskBase(entries: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    out[entry.slice(0, at)] = Number(entry.slice(at + 1));
  }
  return out;
}

export interface RiskContext {
  environment: 'development' | 'staging' | 'production';
  /** Overrides merged over the default table. */
  base: Readonly<Record<string, number>>;
}

/** The base score of an action: exact match, else the longest matching `prefix*`, else 5. */
// Resolved base per action, per table: the prefix scan runs once per event type.
const resolved = new WeakMap<Readonly<Record<string, number>>, Map<string, number>>();

export function baseRisk(action: string, table: Readonly<Record<string, number>>): number {
  let cache = resolved.get(table);
  if (!cache) {
    cache = new Map();
    resolved.set(table, cache);
  }
  let score = cache.get(action);
  if (score === undefined) {
    score = resolveBaseRisk(action, table);
    if (cache.size < 10_000) cache.set(action, score);
  }
  return score;
}

function resolveBaseRisk(action: string, table: Readonly<Record<string, number>>): number {
  const exact = table[action];
  if (exact !== undefined) return exact;
  let best: number | undefined;
  let bestLength = -1;
  for (const [pattern, score] of Object.entries(table)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (action.startsWith(prefix) && prefix.length > bestLength) {
      best = score;
      bestLength = prefix.length;
    }
  }
  return best ?? 5;
}

/**
 * Whether the actor proved a second factor. Events carry it as `details.mfa === true` or
 * an `amr` list naming `otp`/`mfa`; system actors (the CLI, scheduled jobs) and anonymous
 * callers are not asked for one, so the no-MFA penalty applies to accounts and keys only.
 */
function lacksMfa(event: SecurityEvent): boolean {
  if (event.actor.kind === 'system' || event.actor.kind === 'anonymous') return false;
  const d = event.details;
  if (d.mfa === true) return false;
  if (Array.isArray(d.amr) && d.amr.some((m) => m === 'otp' || m === 'mfa')) return false;
  return true;
}

/**
 * The risk score 0–10: base by action, +2 in production, +3 without MFA when already
 * above 5, +2 on failure (or denial), capped at 10.
 *
 * @example
 * riskScore(event, { environment: 'production', base: defaultRiskBase });
 */
export function riskScore(event: SecurityEvent, context: RiskContext): number {
  let score = baseRisk(event.type, context.base);
  if (context.environment === 'production') score += 2;
  if (score > 5 && lacksMfa(event)) score += 3;
  if (event.outcome !== 'success') score += 2;
  return Math.max(0, Math.min(10, score));
}
