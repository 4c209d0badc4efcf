import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anyCovers,
  covers,
  coversAction,
  isPermission,
  permissionsOfRoles,
  scopesBeyond,
} from './permissions.js';

describe('permissions', () => {
  it('matches each part exactly or through a wildcard', () => {
    expect(covers('*', 'accounts:write')).toBe(true);
    expect(covers('*', '*')).toBe(true);
    expect(covers('accounts:*', 'accounts:write')).toBe(true);
    expect(covers('*:read', 'audit:read')).toBe(true);
    expect(covers('*:read', 'audit:write')).toBe(false);
    expect(covers('accounts:read', 'accounts:write')).toBe(false);
    expect(covers('accounts:read', 'accountsx:read')).toBe(false);
  });

  it('never lets a narrower grant cover a wider request', () => {
    expect(covers('apikeys:read', 'apikeys:*')).toBe(false);
    expect(covers('apikeys:*', '*')).toBe(false);
    expect(covers('*:read', '*')).toBe(false);
    expect(covers('*:read', '*:*')).toBe(false);
    expect(
      scopesBeyond(permissionsOfRoles(['DEVELOPER']), ['apikeys:read', '*', 'accounts:write']),
    ).toEqual(['*', 'accounts:write']);
  });

  it('is transitive: whatever a covered scope covers, the grant covers too (property)', () => {
    const part = fc.constantFrom('*', 'accounts', 'apikeys', 'read', 'write');
    const perm = fc.tuple(part, part).map(([r, a]) => `${r}:${a}`);
    fc.assert(
      fc.property(perm, perm, perm, (a, b, c) => {
        if (covers(a, b) && covers(b, c)) expect(covers(a, c)).toBe(true);
      }),
    );
  });

  it('answers for a type and an action exactly as covers answers for type:action (property)', () => {
    // Near misses included: a prefix or extension of a part, no colon, empty parts.
    const text = fc.constantFrom(
      '*',
      '**',
      'read',
      'reads',
      'rea',
      'apikeys',
      'apikey',
      'apikeysx',
      '',
    );
    const granted = fc.oneof(
      fc.tuple(text, text).map(([r, a]) => `${r}:${a}`),
      text,
      fc.string({ maxLength: 12 }),
    );
    const name = fc.constantFrom('read', 'rea', 'apikeys', 'apikey', 'write', 'r');
    fc.assert(
      fc.property(granted, name, name, (g, type, action) => {
        expect(coversAction(g, type, action)).toBe(covers(g, `${type}:${action}`));
      }),
      { numRuns: 5000 },
    );
    expect(coversAction('apikeys:read', 'apikeys', 'read')).toBe(true);
    expect(coversAction('apikeys:read', 'apikey', 'read')).toBe(false);
    expect(coversAction('apikeys:read', 'apikeys', 'rea')).toBe(false);
    expect(coversAction('*:read', 'audit', 'read')).toBe(true);
    expect(coversAction('audit:*', 'audit', 'write')).toBe(true);
    expect(coversAction('*', 'audit', 'write')).toBe(true);
  });

  it('validates the permission syntax', () => {
    for (const ok of ['*', 'accounts:read', '*:read', 'apikeys:*', 'signing-keys:rotate']) {
      expect(isPermission(ok)).toBe(true);
    }
    for (const bad of ['', 'accounts', 'Accounts:read', 'a:b:c', ' a:b', 'a:b ', "x:y' or 1=1"]) {
      expect(isPermission(bad)).toBe(false);
    }
  });

  it('gives the built-in roles their documented permissions', () => {
    expect(anyCovers(permissionsOfRoles(['ADMIN']), 'anything:at-all')).toBe(true);
    expect(anyCovers(permissionsOfRoles(['VIEWER']), 'audit:read')).toBe(true);
    expect(anyCovers(permissionsOfRoles(['VIEWER']), 'tokens:introspect')).toBe(false);
    expect(anyCovers(permissionsOfRoles(['DEVELOPER']), 'tokens:introspect')).toBe(true);
    expect(anyCovers(permissionsOfRoles([]), 'audit:read')).toBe(false);
  });
});
