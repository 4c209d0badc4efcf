import { describe, expect, it } from 'vitest';
import { compile } from './engine.js';
import { type AuthzPrincipal, type Policy, PolicyError } from './model.js';

const user = (roles: string[], id = 'u1'): AuthzPrincipal => ({ kind: 'user', id, roles });
const doc = (id: string, attributes?: Record<string, string | number | boolean>) => ({
  type: 'documents',
  id,
  ...(attributes ? { attributes } : {}),
});

function policyError(policy: Policy): PolicyError {
  try {
    compile(policy);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('the policy compiled');
}

describe('roles and inheritance', () => {
  it('ADMIN inherits DEVELOPER which inherits VIEWER', () => {
    const engine = compile({});
    expect(engine.decide(user(['VIEWER']), 'read', doc('d1')).reason).toBe(
      'allowed_by_role:VIEWER',
    );
    expect(engine.decide(user(['VIEWER']), 'delete', doc('d1')).reason).toBe('no_grant');
    expect(engine.decide(user(['DEVELOPER']), 'read', doc('d1')).matched).toEqual({
      role: 'DEVELOPER',
      permission: '*:read',
    });
    expect(engine.decide(user(['DEVELOPER']), 'create', { type: 'apikeys', id: 'k' }).allowed).toBe(
      true,
    );
    expect(engine.decide(user(['ADMIN']), 'delete', doc('d1')).matched).toEqual({
      role: 'ADMIN',
      permission: '*',
    });
  });

  it('a custom role holds the permissions of every role up its chain', () => {
    const engine = compile({
      roles: [
        { name: 'a', permissions: ['invoices:approve'] },
        { name: 'b', inherits: ['a'], permissions: ['reports:export'] },
        { name: 'c', inherits: ['b', 'VIEWER'] },
      ],
    });
    const c = user(['c']);
    expect(engine.decide(c, 'approve', { type: 'invoices', id: 'i' }).allowed).toBe(true);
    expect(engine.decide(c, 'export', { type: 'reports', id: 'r' }).allowed).toBe(true);
    expect(engine.decide(c, 'read', { type: 'anything', id: 'r' }).allowed).toBe(true);
    expect(engine.decide(user(['a']), 'export', { type: 'reports', id: 'r' }).allowed).toBe(false);
  });

  it('a cycle is refused with the cycle named', () => {
    const error = policyError({
      roles: [
        { name: 'x', inherits: ['y'] },
        { name: 'y', inherits: ['z'] },
        { name: 'z', inherits: ['x'] },
      ],
    });
    expect(error.code).toBe('role_cycle');
    expect(error.message).toContain('x → y → z → x');
  });

  it('a cycle through a built-in role is refused', () => {
    const error = policyError({
      roles: [
        { name: 'boss', inherits: ['ADMIN'] },
        { name: 'VIEWER', inherits: ['boss'] },
      ],
    });
    expect(error.code).toBe('role_cycle');
    expect(error.message).toContain('ADMIN → DEVELOPER → VIEWER → boss → ADMIN');
  });

  it('a role inheriting itself is a cycle', () => {
    expect(policyError({ roles: [{ name: 'me', inherits: ['me'] }] }).code).toBe('role_cycle');
  });

  it('unknown roles, duplicate roles and bad permissions are refused', () => {
    expect(policyError({ roles: [{ name: 'a', inherits: ['nope'] }] }).code).toBe('unknown_role');
    expect(policyError({ roles: [{ name: 'a' }, { name: 'a' }] }).code).toBe('duplicate_role');
    expect(policyError({ roles: [{ name: 'a', permissions: ['Users:read'] }] }).code).toBe(
      'invalid_permission',
    );
  });

  it('a diamond is not a cycle', () => {
    const engine = compile({
      roles: [
        { name: 'base', permissions: ['x:y'] },
        { name: 'l', inherits: ['base'] },
        { name: 'r', inherits: ['base'] },
        { name: 'top', inherits: ['l', 'r'] },
      ],
    });
    expect(engine.decide(user(['top']), 'y', { type: 'x', id: '1' }).allowed).toBe(true);
  });

  it('an unknown role on a principal grants nothing', () => {
    expect(compile({}).decide(user(['GHOST']), 'read', doc('d')).reason).toBe('no_grant');
  });
});

describe('wildcards', () => {
  const engine = compile({
    roles: [
      { name: 'users-all', permissions: ['users:*'] },
      { name: 'all-read', permissions: ['*:list'] },
      { name: 'star-star', permissions: ['*:*'] },
    ],
  });
  it('resource:* covers every action on that resource only', () => {
    expect(engine.decide(user(['users-all']), 'purge', { type: 'users', id: '1' }).allowed).toBe(
      true,
    );
    expect(engine.decide(user(['users-all']), 'purge', { type: 'groups', id: '1' }).allowed).toBe(
      false,
    );
  });
  it('*:action covers that action on every resource', () => {
    expect(engine.decide(user(['all-read']), 'list', { type: 'groups', id: '1' }).allowed).toBe(
      true,
    );
    expect(engine.decide(user(['all-read']), 'read', { type: 'groups', id: '1' }).allowed).toBe(
      false,
    );
  });
  it('*:* is everything, like *', () => {
    expect(engine.decide(user(['star-star']), 'x', { type: 'y', id: '1' }).allowed).toBe(true);
  });
  it('a wildcard in a request is refused (fail closed)', () => {
    expect(engine.decide(user(['ADMIN']), '*', { type: 'users', id: '1' }).reason).toBe('error');
  });
});

describe('grants', () => {
  const policy: Policy = {
    roles: [{ name: 'editor' }],
    grants: [
      {
        id: 'g-exact',
        subject: { kind: 'principal', id: 'alice' },
        resourceType: 'documents',
        resourceId: 'd1',
        actions: ['update'],
        effect: 'allow',
      },
      {
        id: 'g-prefix',
        subject: { kind: 'role', name: 'editor' },
        resourceType: 'documents',
        resourceId: 'team-a/*',
        actions: ['update', 'delete'],
        effect: 'allow',
      },
      {
        id: 'g-deny',
        subject: { kind: 'role', name: 'VIEWER' },
        resourceType: 'documents',
        resourceId: 'secret-*',
        actions: ['*'],
        effect: 'deny',
      },
      {
        id: 'g-any-type',
        subject: { kind: 'principal', id: 'bob' },
        resourceType: '*',
        resourceId: '*',
        actions: ['share'],
        effect: 'allow',
      },
    ],
  };
  const engine = compile(policy);

  it('an exact grant allows that principal on that resource only', () => {
    expect(engine.decide(user([], 'alice'), 'update', doc('d1')).reason).toBe(
      'allowed_by_grant:g-exact',
    );
    expect(engine.decide(user([], 'alice'), 'update', doc('d2')).reason).toBe('no_grant');
    expect(engine.decide(user([], 'alice'), 'delete', doc('d1')).reason).toBe('no_grant');
    expect(engine.decide(user([], 'eve'), 'update', doc('d1')).reason).toBe('no_grant');
  });

  it('a prefix grant covers ids that start with the prefix', () => {
    const editor = user(['editor']);
    expect(engine.decide(editor, 'delete', doc('team-a/x')).reason).toBe(
      'allowed_by_grant:g-prefix',
    );
    expect(engine.decide(editor, 'delete', doc('team-a/')).allowed).toBe(true);
    expect(engine.decide(editor, 'delete', doc('team-a')).allowed).toBe(false);
    expect(engine.decide(editor, 'delete', doc('team-b/x')).allowed).toBe(false);
  });

  it('a grant to a role applies to roles inheriting it', () => {
    // ADMIN inherits VIEWER: the deny applies, and beats ADMIN's `*`.
    expect(engine.decide(user(['ADMIN']), 'read', doc('secret-1')).reason).toBe('denied_by:g-deny');
    expect(engine.decide(user(['ADMIN']), 'read', doc('public')).allowed).toBe(true);
  });

  it('an explicit deny beats an allow grant', () => {
    const both = compile({
      grants: [
        {
          id: 'allow',
          subject: { kind: 'principal', id: 'u1' },
          resourceType: 'documents',
          resourceId: '*',
          actions: ['read'],
          effect: 'allow',
        },
        {
          id: 'deny',
          subject: { kind: 'principal', id: 'u1' },
          resourceType: 'documents',
          resourceId: 'd9',
          actions: ['read'],
          effect: 'deny',
        },
      ],
    });
    expect(both.decide(user([]), 'read', doc('d9')).reason).toBe('denied_by:deny');
    expect(both.decide(user([]), 'read', doc('d8')).reason).toBe('allowed_by_grant:allow');
  });

  it('prefix grants match exactly when a subject has too many prefixes to scan one by one', () => {
    // Past 16 prefixes a subject's prefix grants are looked up by length, not scanned: a
    // deny found one character short (or long) would let a denied id through.
    const teams = Array.from({ length: 20 }, (_, i) => ({
      id: `g-team-${i}`,
      subject: { kind: 'principal' as const, id: 'u1' },
      resourceType: 'documents',
      resourceId: `team-${i}/*`,
      actions: ['read'],
      effect: 'allow' as const,
    }));
    const many = compile({
      grants: [
        ...teams,
        {
          id: 'g-all',
          subject: { kind: 'principal', id: 'u1' },
          resourceType: 'documents',
          resourceId: '*',
          actions: ['update'],
          effect: 'allow',
        },
        {
          id: 'g-secret',
          subject: { kind: 'principal', id: 'u1' },
          resourceType: 'documents',
          resourceId: 'secret-*',
          actions: ['update'],
          effect: 'deny',
        },
      ],
    });
    expect(many.decide(user([]), 'update', doc('secret-1')).reason).toBe('denied_by:g-secret');
    expect(many.decide(user([]), 'update', doc('secret-')).reason).toBe('denied_by:g-secret');
    expect(many.decide(user([]), 'update', doc('secret')).reason).toBe('allowed_by_grant:g-all');
    expect(many.decide(user([]), 'read', doc('team-7/x')).reason).toBe('allowed_by_grant:g-team-7');
    expect(many.decide(user([]), 'read', doc('team-7')).reason).toBe('no_grant');
    expect(many.decide(user([]), 'read', doc('team-77/x')).reason).toBe('no_grant');
  });

  it('a grant with resourceType * applies to every type', () => {
    expect(engine.decide(user([], 'bob'), 'share', { type: 'photos', id: 'p' }).allowed).toBe(true);
  });

  it('invalid grants are refused', () => {
    const g = policy.grants?.[0];
    if (!g) throw new Error('fixture');
    expect(policyError({ grants: [g, g] }).code).toBe('duplicate_grant');
    expect(policyError({ grants: [{ ...g, resourceId: 'a*b' }] }).code).toBe('invalid_grant');
    expect(policyError({ grants: [{ ...g, actions: [] }] }).code).toBe('invalid_grant');
    expect(
      policyError({ grants: [{ ...g, subject: { kind: 'role', name: 'nobody' } }] }).code,
    ).toBe('unknown_role');
  });
});

describe('failing closed', () => {
  it('an exception while deciding denies with reason error', () => {
    const engine = compile({});
    const evil = {
      kind: 'user',
      id: 'u',
      get roles(): string[] {
        throw new Error('boom');
      },
    } as AuthzPrincipal;
    expect(engine.decide(evil, 'read', doc('d'))).toEqual({
      allowed: false,
      reason: 'error',
      matched: null,
    });
  });
});
