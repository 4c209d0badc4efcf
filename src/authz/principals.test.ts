import { describe, expect, it } from 'vitest';
import { compile } from './engine.js';
import type { AuthzPrincipal } from './model.js';

const thing = { type: 'deployments', id: 'd1' };

describe('environment access matrix', () => {
  const engine = compile({
    roles: [{ name: 'CI', permissions: ['deployments:create'] }],
    environmentAccess: {
      development: ['DEVELOPER', 'CI'],
      staging: ['CI', 'ADMIN'],
      production: ['ADMIN'],
    },
  });
  const dev: AuthzPrincipal = { kind: 'user', id: 'd', roles: ['DEVELOPER'] };
  const ci: AuthzPrincipal = { kind: 'service_account', id: 'ci', roles: ['CI'] };
  const admin: AuthzPrincipal = { kind: 'user', id: 'a', roles: ['ADMIN'] };

  it('a developer acts in development only', () => {
    expect(engine.decide(dev, 'read', thing, { environment: 'development' }).allowed).toBe(true);
    expect(engine.decide(dev, 'read', thing, { environment: 'staging' }).reason).toBe(
      'environment_not_allowed',
    );
    expect(engine.decide(dev, 'read', thing, { environment: 'production' }).reason).toBe(
      'environment_not_allowed',
    );
  });
  it('CI acts in development and staging, not production', () => {
    expect(engine.decide(ci, 'create', thing, { environment: 'staging' }).allowed).toBe(true);
    expect(engine.decide(ci, 'create', thing, { environment: 'production' }).reason).toBe(
      'environment_not_allowed',
    );
  });
  it('a role inheriting a listed role may act there too', () => {
    // ADMIN inherits DEVELOPER, listed for development.
    expect(engine.decide(admin, 'delete', thing, { environment: 'development' }).allowed).toBe(
      true,
    );
    expect(engine.decide(admin, 'delete', thing, { environment: 'production' }).allowed).toBe(true);
  });
  it('without an environment in the context the matrix does not apply', () => {
    expect(engine.decide(dev, 'read', thing).allowed).toBe(true);
  });
  it('an environment absent from the matrix is open', () => {
    const partial = compile({ environmentAccess: { production: ['ADMIN'] } });
    expect(partial.decide(dev, 'read', thing, { environment: 'staging' }).allowed).toBe(true);
  });
  it('an unknown role in the matrix is refused', () => {
    expect(() => compile({ environmentAccess: { production: ['NOPE'] } })).toThrow(/unknown role/);
  });
});

describe('API key scopes narrow the owner', () => {
  const engine = compile({
    grants: [
      {
        id: 'own-doc',
        subject: { kind: 'principal', id: 'owner' },
        resourceType: 'documents',
        resourceId: 'mine',
        actions: ['update'],
        effect: 'allow',
      },
    ],
  });
  const key = (roles: string[], scopes: string[]): AuthzPrincipal => ({
    kind: 'api_key',
    id: 'owner',
    roles,
    scopes,
  });

  it('a scope the owner holds allows', () => {
    expect(
      engine.decide(key(['DEVELOPER'], ['apikeys:*']), 'create', { type: 'apikeys', id: 'k' })
        .reason,
    ).toBe('allowed_by_role:DEVELOPER');
  });
  it('the owner may, but the key has no scope for it', () => {
    expect(
      engine.decide(key(['ADMIN'], ['users:read']), 'delete', { type: 'users', id: 'u' }).reason,
    ).toBe('scope_not_granted');
  });
  it('the key has the scope, but the owner may not', () => {
    expect(engine.decide(key(['VIEWER'], ['*']), 'delete', { type: 'users', id: 'u' }).reason).toBe(
      'no_grant',
    );
  });
  it('scopes narrow the owner grants too', () => {
    const doc = { type: 'documents', id: 'mine' };
    expect(engine.decide(key([], ['documents:update']), 'update', doc).reason).toBe(
      'allowed_by_grant:own-doc',
    );
    expect(engine.decide(key([], ['documents:read']), 'update', doc).reason).toBe(
      'scope_not_granted',
    );
  });
  it('a key without scopes may do nothing', () => {
    expect(
      engine.decide({ kind: 'api_key', id: 'owner', roles: ['ADMIN'] }, 'read', thing).reason,
    ).toBe('scope_not_granted');
  });
});
