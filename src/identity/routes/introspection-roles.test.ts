import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, loginSession } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

interface Introspection {
  active: boolean;
  roles?: string[];
  scope?: string;
}

describe('introspection shows the effective roles', () => {
  let r: TestRampart;
  let adminToken: string;

  beforeAll(async () => {
    r = await startTestRampart();
    const admin = await createUser(r, 'root@example.com', ['ADMIN']);
    adminToken = (await loginSession(r, admin.email, admin.password)).access_token;
    await r.authz.policy.putRole(
      { name: 'billing', description: null, inherits: [], permissions: ['invoices:read'] },
      { kind: 'system' },
      {},
    );
  }, 60_000);

  afterAll(async () => {
    await r?.close();
  });

  const introspect = async (token: string) =>
    (
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/introspect',
        headers: bearer(adminToken),
        payload: { token },
      })
    ).json<Introspection>();

  it('includes a custom role assigned after the token was issued, and drops it once withdrawn', async () => {
    const user = await createUser(r, 'clerk@example.com', ['VIEWER']);
    const { access_token: token } = await loginSession(r, user.email, user.password);
    // The token keeps the built-in roles it was issued with (see README "Roles in tokens").
    expect(decodeJwt(token).roles).toEqual(['VIEWER']);

    expect(await introspect(token)).toMatchObject({ active: true, roles: ['VIEWER'] });
    await r.authz.policy.setAssignments(user.id, ['billing'], { kind: 'system' }, {});
    const assigned = await introspect(token);
    expect(assigned.roles).toEqual(['VIEWER', 'billing']);
    expect(assigned.scope?.split(' ')).toEqual(expect.arrayContaining(['*:read', 'invoices:read']));

    const whoami = await r.app.inject({
      method: 'GET',
      url: '/v1/auth/whoami',
      headers: bearer(token),
    });
    expect(whoami.json<{ roles: string[] }>().roles).toEqual(['VIEWER', 'billing']);

    await r.authz.policy.setAssignments(user.id, [], { kind: 'system' }, {});
    const withdrawn = await introspect(token);
    expect(withdrawn.roles).toEqual(['VIEWER']);
    expect(withdrawn.scope?.split(' ')).not.toContain('invoices:read');
  });
});
