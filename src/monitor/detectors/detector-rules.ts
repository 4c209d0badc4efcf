import { type DetectorName, weekdayNames } from '../../config/response-schema.js';
import type { SecurityEvent, SecurityEventType } from '../../events/security-event.js';
import { clientNetwork } from '../../identity/core/client-network.js';

/** Who a signal is about: what an automated response can act on. */
export interface SignalSubject {
  ip?: string;
  network?: string;
  accountId?: string;
  apiKeyId?: string;
}

/** One event counted by one detector under one key. */
export interface Observation {
  detector: DetectorName;
  key: string;
  /** Counted once per window (distinct counting: accounts per network, networks per account). */
  member?: string;
  /** How much the event weighs (a rate-limit report stands for its suppressed refusals too). */
  weight: number;
  subject: SignalSubject;
}

export interface OffHoursPolicy {
  startHour: number;
  endHour: number;
  weekdays: readonly string[];
  utcOffset: number;
}

type Rule = (event: SecurityEvent, out: Observation[]) => void;

/** Admin operations an off-hours detector watches (made by a person, not the system). */
const adminOperations: readonly SecurityEventType[] = [
  'ip.rule.added',
  'ip.rule.lifted',
  'ip.banned',
  'ratelimit.policy.changed',
  'account.created_by_admin',
  'account.roles.changed',
  'account.deleted',
  'auth.account.unlocked',
  'mfa.reset',
  'service_account.created',
  'service_account.disabled',
  'signing_key.rotated',
  'invite.created',
  'response.action.reverted',
  'readonly_mode.changed',
];

// clientNetwork parses the address; the same few attackers send most events, so the
// answer is remembered (bounded) rather than recomputed per event.
const networks = new Map<string, string>();
function networkOf(ip: string): string {
  let n = networks.get(ip);
  if (n === undefined) {
    n = clientNetwork(ip);
    if (networks.size >= 50_000) networks.clear();
    networks.set(ip, n);
  }
  return n;
}

// Several rules ask for the same event's subject in a row: computed once per event.
let lastEvent: SecurityEvent | undefined;
let lastSubject: SignalSubject | undefined;
function ipSubject(event: SecurityEvent): SignalSubject | undefined {
  if (event === lastEvent) return lastSubject;
  const ip = event.actor.ip;
  lastEvent = event;
  lastSubject = ip ? { ip, network: networkOf(ip) } : undefined;
  return lastSubject;
}

/** True when `time` falls outside business hours under `policy`. */
export function isOffHours(time: number, policy: OffHoursPolicy): boolean {
  const local = new Date(time + policy.utcOffset * 60_000);
  const hour = local.getUTCHours();
  if (!policy.weekdays.includes(weekdayNames[local.getUTCDay()] ?? '')) return true;
  return hour < policy.startHour || hour >= policy.endHour;
}

function onAdminResource(event: SecurityEvent): boolean {
  const needs = event.details as { roles?: unknown; permission?: unknown };
  if (Array.isArray(needs.roles) && needs.roles.includes('ADMIN')) return true;
  if (typeof needs.permission === 'string' && needs.permission.startsWith('admin')) return true;
  return event.target?.id?.includes('/admin') === true;
}

/**
 * The detectors as rules per event type: each turns an event into observations (a key
 * to count under, and who the signal would be about). Keys: client networks (an IPv4
 * address or an IPv6 /64, as bans use), account ids, API key ids.
 */
export function compileRules(
  enabled: ReadonlySet<DetectorName>,
  offHours: OffHoursPolicy,
): Map<SecurityEventType, Rule[]> {
  const rules = new Map<SecurityEventType, Rule[]>();
  const add = (name: DetectorName, types: readonly SecurityEventType[], rule: Rule) => {
    if (!enabled.has(name)) return;
    for (const type of types) rules.set(type, [...(rules.get(type) ?? []), rule]);
  };

  add('bruteForceIp', ['auth.login.failed', 'auth.mfa.failed', 'auth.ip.throttled'], (e, out) => {
    const s = ipSubject(e);
    if (s?.network) out.push({ detector: 'bruteForceIp', key: s.network, weight: 1, subject: s });
  });
  add('bruteForceAccount', ['auth.login.failed', 'auth.mfa.failed'], (e, out) => {
    const id = e.target?.type === 'account' ? e.target.id : undefined;
    if (id) {
      out.push({
        detector: 'bruteForceAccount',
        key: id,
        weight: 1,
        subject: { ...ipSubject(e), accountId: id },
      });
    }
  });
  add('stuffingIp', ['auth.login.failed'], (e, out) => {
    const s = ipSubject(e);
    if (!s?.network) return;
    const member = e.target?.id ?? 'unknown';
    out.push({ detector: 'stuffingIp', key: s.network, member, weight: 1, subject: s });
  });
  add('stuffingAccount', ['auth.login.failed'], (e, out) => {
    const id = e.target?.type === 'account' ? e.target.id : undefined;
    const s = ipSubject(e);
    if (!id || !s?.network) return;
    out.push({
      detector: 'stuffingAccount',
      key: id,
      member: s.network,
      weight: 1,
      subject: { accountId: id },
    });
  });
  add('rateLimitAbuse', ['ratelimit.exceeded'], (e, out) => {
    const s = ipSubject(e);
    if (!s?.network) return;
    const suppressed = Number(e.details.suppressed ?? 0);
    const weight = 1 + (Number.isFinite(suppressed) && suppressed > 0 ? suppressed : 0);
    out.push({ detector: 'rateLimitAbuse', key: s.network, weight, subject: s });
  });
  add('replay', ['signature.replayed'], (e, out) => {
    const s = ipSubject(e);
    const apiKeyId = e.target?.type === 'api_key' ? e.target.id : undefined;
    const key = s?.network ?? apiKeyId;
    if (key) {
      out.push({
        detector: 'replay',
        key,
        weight: 1,
        subject: { ...s, ...(apiKeyId ? { apiKeyId } : {}) },
      });
    }
  });
  add('privilegeEscalation', ['authz.denied'], (e, out) => {
    if (!onAdminResource(e)) return;
    const s = ipSubject(e);
    const subject: SignalSubject = { ...s };
    if (e.actor.kind === 'user' && e.actor.id) subject.accountId = e.actor.id;
    if (e.actor.kind === 'api_key' && e.actor.id) subject.apiKeyId = e.actor.id;
    const key = e.actor.id ?? s?.network;
    if (key) out.push({ detector: 'privilegeEscalation', key, weight: 1, subject });
  });
  add('sessionFingerprint', ['session.fingerprint.changed'], (e, out) => {
    if (!e.actor.id) return;
    out.push({
      detector: 'sessionFingerprint',
      key: e.actor.id,
      weight: 1,
      subject: { ...ipSubject(e), accountId: e.actor.id },
    });
  });
  add('refreshReuse', ['auth.refresh.reused'], (e, out) => {
    if (!e.actor.id) return;
    out.push({
      detector: 'refreshReuse',
      key: e.actor.id,
      weight: 1,
      subject: { ...ipSubject(e), accountId: e.actor.id },
    });
  });
  add('leakedSecret', ['secret.detected'], (e, out) => {
    const d = e.details as { fingerprint?: unknown; apiKeyId?: unknown; keyId?: unknown };
    const apiKeyId =
      typeof d.apiKeyId === 'string'
        ? d.apiKeyId
        : typeof d.keyId === 'string'
          ? d.keyId
          : e.target?.type === 'api_key'
            ? e.target.id
            : undefined;
    const key = typeof d.fingerprint === 'string' ? d.fingerprint : (apiKeyId ?? e.id);
    out.push({
      detector: 'leakedSecret',
      key,
      weight: 1,
      subject: apiKeyId ? { apiKeyId } : {},
    });
  });
  add('offHoursAdmin', adminOperations, (e, out) => {
    if (e.actor.kind !== 'user' || !e.actor.id || !isOffHours(e.time, offHours)) return;
    out.push({
      detector: 'offHoursAdmin',
      key: e.actor.id,
      weight: 1,
      subject: { ...ipSubject(e), accountId: e.actor.id },
    });
  });
  return rules;
}
