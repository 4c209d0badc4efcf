import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from './engine.js';
import {
  type AttributePredicate,
  type AuthzContext,
  type AuthzPrincipal,
  type AuthzResource,
  type Grant,
  type GrantConditions,
  type Policy,
  PolicyError,
  type RoleDefinition,
} from './model.js';
import { referenceDecide, referenceHasCycle } from './reference.js';

const customRoles = ['r0', 'r1', 'r2', 'r3', 'r4'];
const allRoles = ['ADMIN', 'DEVELOPER', 'VIEWER', ...customRoles];
const types = ['docs', 'users', 'apikeys'];
const actions = ['read', 'write', 'delete'];
const ids = ['a', 'ab', 'abc', 'b', 'abd'];
const principalIds = ['p0', 'p1', 'p2'];

const permission = fc.constantFrom(
  '*',
  '*:*',
  'docs:read',
  'docs:*',
  '*:write',
  'users:delete',
  'apikeys:read',
  'users:*',
);

/** Role `i` inherits built-in roles and lower custom roles (a DAG), or any role at all (maybe a cycle) one time in ten. */
const roleBody = (i: number) =>
  fc.record({
    inherits: fc.oneof(
      {
        weight: 9,
        arbitrary: fc.uniqueArray(fc.constantFrom(...allRoles.slice(0, 3 + i)), { maxLength: 2 }),
      },
      { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...allRoles), { maxLength: 2 }) },
    ),
    permissions: fc.uniqueArray(permission, { maxLength: 2 }),
  });

const predicate: fc.Arbitrary<AttributePredicate> = fc.oneof(
  fc.record({
    source: fc.constantFrom('context' as const, 'resource' as const),
    key: fc.constantFrom('tier', 'owner'),
    op: fc.constantFrom('equals' as const, 'prefix' as const),
    value: fc.constantFrom('gold', 'go', 'team-a'),
  }),
  fc.record({
    source: fc.constantFrom('context' as const, 'resource' as const),
    key: fc.constant('size'),
    op: fc.constantFrom('lt' as const, 'lte' as const, 'gt' as const, 'gte' as const),
    value: fc.constantFrom(5, 10),
  }),
  fc.record({
    source: fc.constantFrom('context' as const, 'resource' as const),
    key: fc.constant('tier'),
    op: fc.constant('in' as const),
    value: fc.constant(['gold', 'silver']),
  }),
);

const conditions: fc.Arbitrary<GrantConditions> = fc.record(
  {
    timeWindow: fc.record(
      {
        days: fc.uniqueArray(fc.constantFrom('mon' as const, 'tue' as const, 'sun' as const), {
          minLength: 1,
        }),
        from: fc.constantFrom('00:00', '09:00', '22:00'),
        to: fc.constantFrom('06:00', '17:00', '23:59'),
        timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
        start: fc.constant('2026-03-01T00:00:00Z'),
        end: fc.constant('2026-03-03T00:00:00Z'),
      },
      { requiredKeys: [] },
    ),
    ipCidrs: fc.uniqueArray(fc.constantFrom('10.0.0.0/8', '10.1.0.0/16', '2001:db8::/32'), {
      minLength: 1,
    }),
    environments: fc.uniqueArray(fc.constantFrom('development' as const, 'production' as const), {
      minLength: 1,
    }),
    attributes: fc.array(predicate, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const grantBody = fc.record({
  subject: fc.oneof(
    fc.record({ kind: fc.constant('principal' as const), id: fc.constantFrom(...principalIds) }),
    fc.record({ kind: fc.constant('role' as const), name: fc.constantFrom(...allRoles) }),
  ),
  resourceType: fc.constantFrom('*', ...types),
  resourceId: fc.constantFrom('*', 'a*', 'ab*', '*', 'a*', ...ids),
  actions: fc.uniqueArray(fc.constantFrom('*', ...actions), { minLength: 1, maxLength: 2 }),
  effect: fc.constantFrom('allow' as const, 'deny' as const),
  conditions: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: conditions },
  ),
});

const policy: fc.Arbitrary<Policy> = fc.record<Policy>(
  {
    // Every custom role is defined, so grants and the matrix never name an unknown one.
    roles: fc.tuple(
      ...customRoles.map((name, i) => roleBody(i).map((r): RoleDefinition => ({ name, ...r }))),
    ),
    grants: fc.array(grantBody, { maxLength: 12 }).map((list) =>
      list.map((g, i): Grant => {
        const { conditions: c, ...rest } = g;
        return c === undefined ? { id: `g${i}`, ...rest } : { id: `g${i}`, ...rest, conditions: c };
      }),
    ),
    environmentAccess: fc.record(
      {
        development: fc.uniqueArray(fc.constantFrom(...allRoles), { maxLength: 3 }),
        production: fc.uniqueArray(fc.constantFrom(...allRoles), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['roles', 'grants'] },
);

const principal: fc.Arbitrary<AuthzPrincipal> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('user' as const, 'service_account' as const),
      id: fc.constantFrom(...principalIds),
      roles: fc.uniqueArray(fc.constantFrom('GHOST', ...customRoles), { maxLength: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('api_key' as const),
      id: fc.constantFrom(...principalIds),
      roles: fc.uniqueArray(fc.constantFrom(...allRoles), { maxLength: 2 }),
      scopes: fc.uniqueArray(permission, { maxLength: 3 }),
    }),
  },
);

const attributes = fc.record(
  {
    tier: fc.constantFrom('gold', 'silver', 'bronze'),
    owner: fc.constantFrom('team-a', 'team-b'),
    size: fc.constantFrom(4, 5, 10, 11, '5'),
  },
  { requiredKeys: [] },
);

const resource: fc.Arbitrary<AuthzResource> = fc.record(
  { type: fc.constantFrom(...types), id: fc.constantFrom(...ids), attributes },
  { requiredKeys: ['type', 'id'] },
);

const context: fc.Arbitrary<AuthzContext> = fc.record(
  {
    now: fc.constantFrom(
      Date.parse('2026-03-01T23:30:00Z'),
      Date.parse('2026-03-02T09:00:00Z'),
      Date.parse('2026-03-02T16:59:00Z'),
      Date.parse('2026-03-02T22:00:00Z'),
      Date.parse('2026-03-04T10:00:00Z'),
    ),
    ip: fc.constantFrom('10.1.2.3', '10.2.0.1', '::ffff:10.1.0.1', '2001:db8::1', '192.0.2.1'),
    environment: fc.constantFrom('development' as const, 'staging' as const, 'production' as const),
    attributes,
  },
  { requiredKeys: ['now'] },
);

describe('the compiled engine agrees with the reference evaluator', () => {
  it.each([
    ['with merged role indexes', {}],
    ['walking role closures', { maxMergedGrants: 0 }],
  ])('on random policies and requests, %s', (_, options) => {
    fc.assert(
      fc.property(
        policy,
        fc.array(fc.tuple(principal, fc.constantFrom(...actions), resource, context), {
          minLength: 1,
          maxLength: 20,
        }),
        (p, requests) => {
          if (referenceHasCycle(p)) {
            expect(() => compile(p, options)).toThrow(PolicyError);
            return;
          }
          const engine = compile(p, options);
          for (const [who, action, what, ctx] of requests) {
            const expected = referenceDecide(p, who, action, what, ctx);
            const actual = engine.decide(who, action, what, ctx);
            expect({ allowed: actual.allowed, reason: actual.reason }).toEqual({
              allowed: expected.allowed,
              reason: expected.reason,
            });
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
