import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { anyCovers, rolePermissions } from '../identity/core/permissions.js';
import {
  type AttributePredicate,
  type AuthzContext,
  type AuthzPrincipal,
  type AuthzResource,
  type ConditionKind,
  type Decision,
  type Grant,
  namePattern,
  type Policy,
} from './model.js';

/**
 * A naive evaluator of the same model, written to be obviously right rather than fast:
 * it walks every role and every grant on every decision. Tests compare the compiled
 * engine with it on random policies; it is not for production use.
 */

function parentsOf(policy: Policy, role: string): string[] {
  const out: string[] = [];
  if (role === 'ADMIN') out.push('DEVELOPER');
  if (role === 'DEVELOPER') out.push('VIEWER');
  for (const def of policy.roles ?? []) if (def.name === role) out.push(...(def.inherits ?? []));
  return out;
}

/** Every role reachable from `role` through inheritance, `role` included. */
export function referenceClosure(policy: Policy, role: string): Set<string> {
  const seen = new Set<string>();
  const todo = [role];
  while (todo.length > 0) {
    const r = todo.pop() as string;
    if (seen.has(r)) continue;
    seen.add(r);
    todo.push(...parentsOf(policy, r));
  }
  return seen;
}

/** True when some role can reach itself through inheritance. */
export function referenceHasCycle(policy: Policy): boolean {
  const names = ['ADMIN', 'DEVELOPER', 'VIEWER', ...(policy.roles ?? []).map((d) => d.name)];
  for (const name of names)
    for (const parent of parentsOf(policy, name))
      if (referenceClosure(policy, parent).has(name)) return true;
  return false;
}

function isKnownRole(policy: Policy, role: string): boolean {
  return (
    role === 'ADMIN' ||
    role === 'DEVELOPER' ||
    role === 'VIEWER' ||
    (policy.roles ?? []).some((d) => d.name === role)
  );
}

function permissionsOf(policy: Policy, role: string): string[] {
  const out: string[] = [];
  for (const r of referenceClosure(policy, role)) {
    if (r === 'ADMIN' || r === 'DEVELOPER' || r === 'VIEWER') out.push(...rolePermissions[r]);
    for (const def of policy.roles ?? []) if (def.name === r) out.push(...(def.permissions ?? []));
  }
  return out;
}

function holdsRole(policy: Policy, principal: AuthzPrincipal, role: string): boolean {
  return principal.roles.some(
    (r) => isKnownRole(policy, r) && referenceClosure(policy, r).has(role),
  );
}

function grantApplies(
  policy: Policy,
  grant: Grant,
  principal: AuthzPrincipal,
  action: string,
  resource: AuthzResource,
): boolean {
  const subjectOk =
    grant.subject.kind === 'principal'
      ? grant.subject.id === principal.id
      : holdsRole(policy, principal, grant.subject.name);
  const typeOk = grant.resourceType === '*' || grant.resourceType === resource.type;
  const idOk = grant.resourceId.endsWith('*')
    ? resource.id.startsWith(grant.resourceId.slice(0, -1))
    : grant.resourceId === resource.id;
  const actionOk = grant.actions.includes('*') || grant.actions.includes(action);
  return subjectOk && typeOk && idOk && actionOk;
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function timeOk(grant: Grant, nowMs: number): boolean {
  const w = grant.conditions?.timeWindow;
  if (!w) return true;
  if (w.start !== undefined && nowMs < Date.parse(w.start)) return false;
  if (w.end !== undefined && nowMs >= Date.parse(w.end)) return false;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: w.timezone ?? 'UTC',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(nowMs);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = part('weekday').toLowerCase();
  const minute = Number(part('hour')) * 60 + Number(part('minute'));
  if (w.days !== undefined && !w.days.some((d) => d === day)) return false;
  if (w.from !== undefined && w.to !== undefined) {
    const from = minutes(w.from);
    const to = minutes(w.to);
    if (from <= to) return minute >= from && minute < to;
    return minute >= from || minute < to;
  }
  if (w.from !== undefined && minute < minutes(w.from)) return false;
  if (w.to !== undefined && minute >= minutes(w.to)) return false;
  return true;
}

function ipOk(grant: Grant, ip: string | undefined): boolean {
  const cidrs = grant.conditions?.ipCidrs;
  if (!cidrs) return true;
  if (ip === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped?.[1] ?? ip;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return false;
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const netFamily = isIPv4(net ?? '') ? 'ipv4' : 'ipv6';
    if (netFamily !== family) continue;
    const list = new BlockList();
    list.addSubnet(net ?? '', Number(bits ?? (family === 'ipv4' ? 32 : 128)), family);
    if (list.check(address, family)) return true;
  }
  return false;
}

function attributeOk(p: AttributePredicate, resource: AuthzResource, context: AuthzContext) {
  const bag = p.source === 'context' ? context.attributes : resource.attributes;
  if (!bag || !Object.hasOwn(bag, p.key)) return false;
  const v = bag[p.key];
  if (p.op === 'equals') return v === p.value;
  if (p.op === 'in') return Array.isArray(p.value) && p.value.includes(v);
  if (p.op === 'prefix')
    return typeof v === 'string' && typeof p.value === 'string' && v.startsWith(p.value);
  if (typeof v !== 'number' || typeof p.value !== 'number' || !Number.isFinite(v)) return false;
  if (p.op === 'lt') return v < p.value;
  if (p.op === 'lte') return v <= p.value;
  if (p.op === 'gt') return v > p.value;
  return v >= p.value;
}

function failedCondition(
  grant: Grant,
  resource: AuthzResource,
  context: AuthzContext,
  nowMs: number,
): ConditionKind | null {
  const c = grant.conditions;
  if (!c) return null;
  if (!timeOk(grant, nowMs)) return 'time_window';
  if (!ipOk(grant, context.ip)) return 'ip';
  if (c.environments && !(context.environment && c.environments.includes(context.environment)))
    return 'environment';
  for (const p of c.attributes ?? []) if (!attributeOk(p, resource, context)) return 'attribute';
  return null;
}

/** The decision the model prescribes, computed the slow, plain way. */
export function referenceDecide(
  policy: Policy,
  principal: AuthzPrincipal,
  action: string,
  resource: AuthzResource,
  context: AuthzContext = {},
): Decision {
  if (!namePattern.test(action) || !namePattern.test(resource.type))
    return { allowed: false, reason: 'error', matched: null };
  const env = context.environment;
  const listed = env === undefined ? undefined : policy.environmentAccess?.[env];
  if (listed !== undefined) {
    const ok = principal.roles.some(
      (r) => isKnownRole(policy, r) && listed.some((l) => referenceClosure(policy, r).has(l)),
    );
    if (!ok) return { allowed: false, reason: 'environment_not_allowed', matched: null };
  }
  const wanted = `${resource.type}:${action}`;
  if (principal.kind === 'api_key' && !anyCovers(principal.scopes ?? [], wanted))
    return { allowed: false, reason: 'scope_not_granted', matched: null };
  const now = context.now === undefined ? Date.now() : new Date(context.now).getTime();
  const grants = policy.grants ?? [];

  for (const g of grants)
    if (
      g.effect === 'deny' &&
      grantApplies(policy, g, principal, action, resource) &&
      failedCondition(g, resource, context, now) === null
    )
      return { allowed: false, reason: `denied_by:${g.id}`, matched: { grantId: g.id } };

  for (const r of principal.roles)
    if (isKnownRole(policy, r) && anyCovers(permissionsOf(policy, r), wanted))
      return { allowed: true, reason: `allowed_by_role:${r}`, matched: { role: r } };

  for (const g of grants)
    if (
      g.effect === 'allow' &&
      grantApplies(policy, g, principal, action, resource) &&
      failedCondition(g, resource, context, now) === null
    )
      return { allowed: true, reason: `allowed_by_grant:${g.id}`, matched: { grantId: g.id } };

  for (const g of grants)
    if (g.effect === 'allow' && grantApplies(policy, g, principal, action, resource)) {
      const kind = failedCondition(g, resource, context, now);
      if (kind)
        return { allowed: false, reason: `condition_failed:${kind}`, matched: { grantId: g.id } };
    }

  return { allowed: false, reason: 'no_grant', matched: null };
}
