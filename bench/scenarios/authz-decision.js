import { performance } from 'node:perf_hooks';
import { createMongoAbility, subject } from '@casl/ability';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import { compile } from '../../dist/authz/engine.js';

export const name = 'authz-decision';
export const description =
  'One authorization decision (roles with inheritance, resource grants, deny over allow) at 10 roles/100 grants and 1,000 roles/100,000 grants, beside node-casbin (RBAC with hierarchy) and CASL';

/** Each target runs this long at most, whatever BENCH_DURATION says: a micro-benchmark. */
const maxSeconds = 2;
const types = ['docs', 'projects', 'invoices', 'reports', 'users'];
const actions = ['read', 'update', 'delete', 'share'];
const requestCount = 4096;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** A deterministic generator, so every run and every engine sees the same policy. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Roles in a tree (role i inherits role (i-1)/4: depth ≤ 5 at 1,000 roles, within
 * casbin's default 10 levels), two permissions each; grants to principals and roles on
 * exact ids and id prefixes, one in ten a deny. No conditions: casbin's RBAC model has
 * none, so both sides answer the same question.
 */
function generate(roleCount, grantCount, seed) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const principalCount = Math.max(50, grantCount / 20);
  const idsPerType = Math.max(20, grantCount / 10);
  const roles = [];
  for (let i = 0; i < roleCount; i++) {
    roles.push({
      name: `role${i}`,
      inherits: i === 0 ? [] : [`role${Math.floor((i - 1) / 4)}`],
      permissions: [`${pick(types)}:${pick(actions)}`, `${pick(types)}:${pick(actions)}`],
    });
  }
  const grants = [];
  for (let i = 0; i < grantCount; i++) {
    const prefix = rnd() < 0.1;
    grants.push({
      id: `g${i}`,
      subject:
        rnd() < 0.5
          ? { kind: 'principal', id: `p${Math.floor(rnd() * principalCount)}` }
          : { kind: 'role', name: `role${Math.floor(rnd() * roleCount)}` },
      resourceType: pick(types),
      resourceId: prefix
        ? `r${Math.floor(rnd() * idsPerType)
            .toString()
            .slice(0, 2)}*`
        : `r${Math.floor(rnd() * idsPerType)}`,
      actions: [pick(actions)],
      effect: rnd() < 0.1 ? 'deny' : 'allow',
    });
  }
  // Each principal holds one role, the same in every request (casbin keeps assignments
  // in the policy): p<k> holds role<k mod roleCount>.
  const roleOf = (k) => `role${k % roleCount}`;
  const requests = [];
  for (let i = 0; i < requestCount; i++) {
    // Half the requests aim at a granted resource, so grant lookups hit.
    const g = rnd() < 0.5 ? pick(grants) : undefined;
    const id =
      g && !g.resourceId.endsWith('*') ? g.resourceId : `r${Math.floor(rnd() * idsPerType)}`;
    let k = Math.floor(rnd() * principalCount);
    if (g?.subject.kind === 'principal') k = Number(g.subject.id.slice(1));
    else if (g?.subject.kind === 'role') {
      const roleIndex = Number(g.subject.name.slice(4));
      k = roleIndex + roleCount * Math.floor((rnd() * principalCount) / roleCount);
    }
    requests.push({
      principal: { kind: 'user', id: `p${k}`, roles: [roleOf(k)] },
      action: g ? g.actions[0] : pick(actions),
      resource: { type: g ? g.resourceType : pick(types), id },
    });
  }
  return { policy: { roles, grants }, requests };
}

const casbinModel = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act, eft
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
[matchers]
m = g(r.sub, p.sub) && keyMatch(r.obj, p.obj) && (r.act == p.act || p.act == "*")
`;

/** The same policy as casbin lines: users are subjects, roles are groups, objects `type/id`. */
async function casbinFor({ policy, requests }) {
  const lines = [];
  for (const role of policy.roles) {
    for (const parent of role.inherits) lines.push(`g, ${role.name}, ${parent}`);
    for (const p of role.permissions) {
      const [type, action] = p.split(':');
      lines.push(`p, ${role.name}, ${type}/*, ${action}, allow`);
    }
  }
  for (const g of policy.grants) {
    const sub = g.subject.kind === 'principal' ? g.subject.id : g.subject.name;
    lines.push(`p, ${sub}, ${g.resourceType}/${g.resourceId}, ${g.actions[0]}, ${g.effect}`);
  }
  const users = new Set();
  for (const r of requests) {
    for (const role of r.principal.roles) {
      const key = `${r.principal.id}|${role}`;
      if (users.has(key)) continue;
      users.add(key);
      lines.push(`g, ${r.principal.id}, ${role}`);
    }
  }
  const enforcer = await newEnforcer(
    newModelFromString(casbinModel),
    new StringAdapter(lines.join('\n')),
  );
  return (r) =>
    enforcer.enforceSync(r.principal.id, `${r.resource.type}/${r.resource.id}`, r.action);
}

/** CASL, as it is meant to be used: one ability per user, built once and cached. */
function caslFor({ policy }) {
  const parents = new Map(policy.roles.map((r) => [r.name, r.inherits]));
  const closureOf = (role) => {
    const out = new Set();
    const todo = [role];
    while (todo.length > 0) {
      const r = todo.pop();
      if (out.has(r)) continue;
      out.add(r);
      todo.push(...(parents.get(r) ?? []));
    }
    return out;
  };
  const permissionsOf = new Map(policy.roles.map((r) => [r.name, r.permissions]));
  const grantsBySubject = new Map();
  for (const g of policy.grants) {
    const key = g.subject.kind === 'principal' ? `p:${g.subject.id}` : `r:${g.subject.name}`;
    const list = grantsBySubject.get(key) ?? [];
    list.push(g);
    grantsBySubject.set(key, list);
  }
  const cache = new Map();
  const abilityOf = (principal) => {
    const key = `${principal.id}|${principal.roles.join(',')}`;
    let ability = cache.get(key);
    if (ability) return ability;
    const allow = [];
    const deny = [];
    const grantRule = (g) => {
      const conditions = g.resourceId.endsWith('*')
        ? { id: { $regex: `^${g.resourceId.slice(0, -1)}` } }
        : { id: g.resourceId };
      (g.effect === 'deny' ? deny : allow).push({
        action: g.actions[0],
        subject: g.resourceType,
        conditions,
        ...(g.effect === 'deny' ? { inverted: true } : {}),
      });
    };
    for (const g of grantsBySubject.get(`p:${principal.id}`) ?? []) grantRule(g);
    for (const role of principal.roles)
      for (const r of closureOf(role)) {
        for (const p of permissionsOf.get(r) ?? []) {
          const [type, action] = p.split(':');
          allow.push({ action, subject: type });
        }
        for (const g of grantsBySubject.get(`r:${r}`) ?? []) grantRule(g);
      }
    // In CASL a later rule wins: the denies go last so they beat every allow.
    ability = createMongoAbility([...allow, ...deny]);
    cache.set(key, ability);
    return ability;
  };
  return (r) =>
    abilityOf(r.principal).can(r.action, subject(r.resource.type, { id: r.resource.id }));
}

/** Runs batches of `size` decisions for `seconds`; each batch / size is one sample (µs). */
function measure(decideOne, requests, size, seconds) {
  let i = 0;
  let allowed = 0;
  const batch = () => {
    for (let n = 0; n < size; n++) if (decideOne(requests[i++ % requests.length])) allowed++;
  };
  const warmupEnd = performance.now() + Math.min(0.5, seconds / 4) * 1000;
  while (performance.now() < warmupEnd) batch();
  allowed = 0;
  const samples = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let decisions = 0;
  while (performance.now() < end) {
    const t0 = performance.now();
    batch();
    samples.push(((performance.now() - t0) * 1000) / size);
    decisions += size;
  }
  const elapsedMs = performance.now() - start;
  samples.sort((a, b) => a - b);
  return {
    rps: decisions / (elapsedMs / 1000),
    p50Micros: percentile(samples, 0.5),
    p99Micros: percentile(samples, 0.99),
    // The run table reads p50/p99 in ms.
    p50: percentile(samples, 0.5) / 1000,
    p99: percentile(samples, 0.99) / 1000,
    decisions,
    allowedShare: allowed / decisions,
  };
}

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const seconds = Math.min(settings.duration, maxSeconds);
  const targets = [];
  const notes = [];
  const comparisons = [];
  for (const [roleCount, grantCount] of [
    [10, 100],
    [1_000, 100_000],
  ]) {
    const size = `${roleCount.toLocaleString('en-US')} roles/${grantCount.toLocaleString('en-US')} grants`;
    const data = generate(roleCount, grantCount, roleCount + grantCount);
    let t0 = performance.now();
    const engine = compile(data.policy);
    notes.push(
      `${size}: Rampart compiles the policy in ${(performance.now() - t0).toFixed(0)} ms.`,
    );
    const ours = (r) => engine.decide(r.principal, r.action, r.resource).allowed;

    t0 = performance.now();
    log(`  loading casbin, ${size}`);
    const casbin = await casbinFor(data);
    notes.push(`${size}: casbin loads the policy in ${(performance.now() - t0).toFixed(0)} ms.`);
    const casl = caslFor(data);

    // The three must agree on every request, or the race is meaningless.
    // casbin scans every policy line per request: the check stops after 2 s.
    let disagreements = 0;
    let compared = 0;
    const checkEnd = performance.now() + 2000;
    for (const r of data.requests) {
      if (performance.now() > checkEnd) break;
      const a = ours(r);
      if (a !== casbin(r) || a !== casl(r)) disagreements++;
      compared++;
    }
    notes.push(
      `${size}: ${disagreements} of ${compared} requests compared decided differently by the three engines.`,
    );

    log(`  Rampart, ${size}`);
    const r = {
      id: `rampart-${roleCount}`,
      label: `Rampart, ${size}`,
      ...measure(ours, data.requests, 100, seconds),
    };
    targets.push(r);
    log(`  casbin, ${size}`);
    const c = {
      id: `casbin-${roleCount}`,
      label: `node-casbin, ${size}`,
      ...measure(casbin, data.requests, grantCount > 1000 ? 1 : 20, seconds),
    };
    targets.push(c);
    log(`  CASL, ${size}`);
    const k = {
      id: `casl-${roleCount}`,
      label: `CASL, ${size}`,
      ...measure(casl, data.requests, 100, seconds),
    };
    targets.push(k);

    comparisons.push({
      label: `${size}: 2 µs / Rampart p50 µs`,
      ratio: 2 / r.p50Micros,
      minimum: 1,
      pass: r.p50Micros <= 2,
    });
    comparisons.push({
      label: `${size}: Rampart / casbin decisions per second`,
      ratio: r.rps / c.rps,
      minimum: 50,
      pass: r.rps / c.rps >= 50,
    });
    comparisons.push({
      label: `${size}: Rampart / CASL decisions per second`,
      ratio: r.rps / k.rps,
      minimum: 0,
      pass: true,
    });
  }
  for (const t of targets)
    notes.push(
      `${t.label}: ${Math.round(t.rps).toLocaleString('en-US')} decisions/s, p50 ${t.p50Micros.toFixed(3)} µs, p99 ${t.p99Micros.toFixed(3)} µs, ${(t.allowedShare * 100).toFixed(0)}% allowed.`,
    );
  notes.push(
    `${requestCount} requests in rotation, half aimed at a granted resource; at most ${maxSeconds} s per target. Latencies are per decision, from batches (100 for Rampart and CASL, 20 or 1 for casbin).`,
    "casbin: RBAC with a role hierarchy (g = _, _), keyMatch objects (type/id, type/prefix*) and deny-override effect, enforceSync. CASL: one ability per principal (its roles expanded, its grants and its roles' grants; prefixes as $regex), built on first use and cached, so its build cost is outside the measurement.",
  );
  return { targets, comparisons, notes };
}
