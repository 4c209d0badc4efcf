/**
 * Insecure direct object references: a signed-in user who learns (or guesses) the id of
 * another user's session, API key or account tries to read, revoke or rotate it, or to
 * reach the per-account administrator routes and the policy with it. Each attempt must be
 * refused without touching the other user's objects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  loginSession,
  type TokenPairJson,
} from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

describe('a user cannot reach another user’s sessions, keys or account by id', () => {
  let r: TestRampart;
  let victim: { id: string; session: TokenPairJson; keyId: string };
  let attacker: TokenPairJson;
  let attackerId: string;

  beforeAll(async () => {
    r = await startTestRampart();
    const v = await createUser(r, 'victim@example.com', ['DEVELOPER']);
    const session = await loginSession(r, v.email, v.password);
    const key = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(session.access_token),
      payload: { name: 'victim-key', scopes: ['apikeys:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    victim = { id: v.id, session, keyId: key.json<{ id: string }>().id };
    const a = await createUser(r, 'attacker@example.com', ['DEVELOPER']);
    attacker = await loginSession(r, a.email, a.password);
    attackerId = a.id;
  });
  afterAll(async () => r?.close());

  const as = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    r.app.inject({
      method,
      url,
      headers: bearer(attacker.access_token),
      ...(payload ? { payload } : {}),
    });

  it('cannot read, revoke or rotate the other user’s API key', async () => {
    for (const [method, url] of [
      ['GET', `/v1/api-keys/${victim.keyId}`],
      ['DELETE', `/v1/api-keys/${victim.keyId}`],
      ['POST', `/v1/api-keys/${victim.keyId}/rotate`],
    ] as const) {
      const res = await as(method, url, method === 'POST' ? {} : undefined);
      expect([403, 404], `${method} ${url}: ${res.body}`).toContain(res.statusCode);
    }
    const mine = await r.app.inject({
      method: 'GET',
      url: `/v1/api-keys/${victim.keyId}`,
      headers: bearer(victim.session.access_token),
    });
    expect(mine.json()).toMatchObject({ id: victim.keyId });
    expect(mine.json().revokedAt ?? null).toBeNull();
  });

  it('cannot end the other user’s session', async () => {
    const res = await as('DELETE', `/v1/sessions/${victim.session.session_id}`);
    expect([403, 404]).toContain(res.statusCode);
    const still = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(victim.session.access_token),
    });
    expect(still.statusCode).toBe(200);
  });

  it('cannot list, end or unlock the other account through the administrator routes', async () => {
    for (const [method, url] of [
      ['GET', `/v1/admin/accounts/${victim.id}/sessions`],
      ['DELETE', `/v1/admin/accounts/${victim.id}/sessions`],
      ['POST', `/v1/admin/accounts/${victim.id}/unlock`],
    ] as const) {
      const res = await as(method, url, method === 'POST' ? {} : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('permission_denied');
    }
  });

  it('cannot change the other account’s role assignments, or its own', async () => {
    // DEVELOPER inherits VIEWER (`*:read`): it may read the policy, never write it.
    for (const id of [victim.id, attackerId]) {
      const res = await as('PUT', `/v1/authz/assignments/${id}`, { roles: ['ADMIN'] });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('permission_denied');
      expect(r.authz.policy.assignedTo(id)).toEqual([]);
    }
  });
});
