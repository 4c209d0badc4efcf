import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

interface KeyJson {
  id: string;
  key: string;
  name: string;
  prefix: string;
  scopes: string[];
  allowedCidrs: string[];
  status: string;
  owner: { kind: string; id: string };
  expiresAt: string | null;
  graceUntil: string | null;
  replacedBy: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
}

const keyShape = /^rmp_dev_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/;

for (const database of testDatabaseKinds()) {
  describe(`API keys and service accounts (${database})`, () => {
    let r: TestRampart;
    let events: SecurityEvent[];
    let dev: { id: string; token: string };
    let viewer: { id: string; token: string };
    let admin: { id: string; token: string };

    async function issue(token: string, body: Record<string, unknown>, remoteAddress?: string) {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: body,
        ...(remoteAddress ? { remoteAddress } : {}),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<KeyJson>();
    }

    function whoami(headers: Record<string, string>, remoteAddress = '127.0.0.1') {
      return r.app.inject({ method: 'GET', url: '/v1/auth/whoami', headers, remoteAddress });
    }

    beforeAll(async () => {
      r = await startTestRampart({ database });
      events = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const d = await createUser(r, 'dev@example.com', ['DEVELOPER']);
      dev = { id: d.id, token: await login(r, d.email, d.password) };
      const v = await createUser(r, 'viewer@example.com', ['VIEWER']);
      viewer = { id: v.id, token: await login(r, v.email, v.password) };
      const a = await createUser(r, 'admin@example.com', ['ADMIN']);
      admin = { id: a.id, token: await login(r, a.email, a.password) };
    });
    afterAll(async () => r?.close());

    it('issues a key once, in the documented format, and stores only its hash', async () => {
      const created = await issue(dev.token, { name: 'ci', scopes: ['apikeys:read'] });
      expect(created.key).toMatch(keyShape);
      expect(created.prefix).toBe(created.key.slice(0, 16));
      expect(created).toMatchObject({
        name: 'ci',
        status: 'active',
        scopes: ['apikeys:read'],
        owner: { kind: 'user', id: dev.id },
        expiresAt: null,
      });
      const list = await r.app.inject({
        method: 'GET',
        url: '/v1/api-keys',
        headers: bearer(dev.token),
      });
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain(created.key);
      expect(list.json<{ items: KeyJson[] }>().items.map((k) => k.id)).toContain(created.id);
      const one = await r.app.inject({
        method: 'GET',
        url: `/v1/api-keys/${created.id}`,
        headers: bearer(dev.token),
      });
      expect(one.json()).not.toHaveProperty('key');
      const row = await r.database.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(created.key);
      expect(JSON.stringify(row)).not.toContain(created.key.slice(16, 50));
      expect(events.some((e) => e.type === 'apikey.created' && e.target?.id === created.id)).toBe(
        true,
      );
    });

    it('authenticates with Authorization: Bearer and with X-API-Key, and records the last use', async () => {
      const created = await issue(dev.token, { name: 'both', scopes: ['apikeys:read'] });
      for (const headers of [bearer(created.key), { 'x-api-key': created.key }]) {
        const res = await whoami(headers, '192.0.2.77');
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({
          kind: 'api_key',
          id: dev.id,
          ownerKind: 'user',
          keyId: created.id,
          roles: ['DEVELOPER'],
          scopes: ['apikeys:read'],
        });
      }
      await expect
        .poll(async () => {
          const res = await r.app.inject({
            method: 'GET',
            url: `/v1/api-keys/${created.id}`,
            headers: bearer(dev.token),
          });
          return res.json<KeyJson>().lastUsedIp;
        })
        .toBe('192.0.2.77');
    });

    it('refuses unknown fields, bad scopes, bad networks and past expiry with 4xx problems', async () => {
      const cases: [Record<string, unknown>, number, string][] = [
        [{ name: 'x', scopes: ['apikeys:read'], admin: true }, 400, 'validation_failed'],
        [{ name: 'x', scopes: [] }, 400, 'validation_failed'],
        [{ name: 'x', scopes: ['apikeys read'] }, 400, 'validation_failed'],
        [{ name: 'x', scopes: ["'; drop table api_keys; --"] }, 400, 'validation_failed'],
        [{ name: '', scopes: ['apikeys:read'] }, 400, 'validation_failed'],
        [{ name: 'x', scopes: 'apikeys:read' }, 400, 'validation_failed'],
        [{ name: 'x', scopes: ['apikeys:read'], expiresAt: 'tomorrow' }, 400, 'validation_failed'],
        [
          { name: 'x', scopes: ['apikeys:read'], expiresAt: '2001-01-01T00:00:00Z' },
          400,
          'invalid_expiry',
        ],
        [
          { name: 'x', scopes: ['apikeys:read'], allowedCidrs: ['10.0.0.0/33'] },
          400,
          'invalid_cidr',
        ],
        [
          { name: 'x', scopes: ['apikeys:read'], allowedCidrs: ['example.com'] },
          400,
          'invalid_cidr',
        ],
      ];
      const before = await r.database.db.selectFrom('api_keys').select('id').execute();
      for (const [payload, status, code] of cases) {
        const res = await r.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(dev.token),
          payload,
        });
        expectProblem(res, status, code);
      }
      const after = await r.database.db.selectFrom('api_keys').select('id').execute();
      expect(after.length).toBe(before.length);
    });

    it('gives a key no scope its owner does not hold', async () => {
      for (const scopes of [['*'], ['accounts:write'], ['tokens:*']]) {
        const res = await r.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(dev.token),
          payload: { name: 'too much', scopes },
        });
        expectProblem(res, 403, 'scope_not_allowed');
      }
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(viewer.token),
        payload: { name: 'viewer', scopes: ['apikeys:write'] },
      });
      expectProblem(res, 403, 'scope_not_allowed');
      await issue(viewer.token, { name: 'read all', scopes: ['*:read'] });
    });

    it('uses a key only within its scopes: introspection needs tokens:introspect', async () => {
      const reader = await issue(dev.token, { name: 'reader', scopes: ['apikeys:read'] });
      const introspector = await issue(dev.token, { name: 'rs', scopes: ['tokens:introspect'] });
      const denied = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/introspect',
        headers: bearer(reader.key),
        payload: { token: dev.token },
      });
      expectProblem(denied, 403, 'permission_denied');
      const allowed = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/introspect',
        headers: { 'x-api-key': introspector.key },
        payload: { token: dev.token },
      });
      expect(allowed.statusCode, allowed.body).toBe(200);
      expect(allowed.json()).toMatchObject({ active: true, sub: dev.id });
    });

    it('refuses API keys on endpoints that act for a person', async () => {
      const created = await issue(dev.token, { name: 'bot', scopes: ['apikeys:*'] });
      for (const [method, url] of [
        ['GET', '/v1/me'],
        ['GET', '/v1/api-keys'],
        ['GET', '/v1/sessions'],
        ['POST', '/v1/auth/logout'],
      ] as const) {
        const res = await r.app.inject({ method, url, headers: bearer(created.key) });
        expectProblem(res, 403, 'user_token_required');
      }
    });

    it('refuses both credentials at once', async () => {
      const created = await issue(dev.token, { name: 'dup', scopes: ['apikeys:read'] });
      const res = await whoami({ ...bearer(dev.token), 'x-api-key': created.key });
      expectProblem(res, 400, 'ambiguous_credentials');
    });

    it('restricts a key to its networks, IPv4-mapped IPv6 included', async () => {
      const created = await issue(dev.token, {
        name: 'office',
        scopes: ['apikeys:read'],
        allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'],
      });
      expect((await whoami(bearer(created.key), '203.0.113.9')).statusCode).toBe(200);
      expect((await whoami(bearer(created.key), '::ffff:203.0.113.200')).statusCode).toBe(200);
      expect((await whoami(bearer(created.key), '2001:db8:5::1')).statusCode).toBe(200);
      expectProblem(
        await whoami(bearer(created.key), '198.51.100.1'),
        403,
        'api_key_source_denied',
      );
      expectProblem(await whoami(bearer(created.key), '2001:db9::1'), 403, 'api_key_source_denied');
    });

    it('keeps other people’s keys invisible; administrators may revoke any', async () => {
      const mine = await issue(dev.token, { name: 'private', scopes: ['apikeys:read'] });
      for (const [method, url] of [
        ['GET', `/v1/api-keys/${mine.id}`],
        ['DELETE', `/v1/api-keys/${mine.id}`],
        ['POST', `/v1/api-keys/${mine.id}/rotate`],
      ] as const) {
        const res = await r.app.inject({ method, url, headers: bearer(viewer.token) });
        expectProblem(res, 404, 'api_key_not_found');
      }
      const list = await r.app.inject({
        method: 'GET',
        url: '/v1/api-keys',
        headers: bearer(viewer.token),
      });
      expect(list.body).not.toContain(mine.id);
      expect((await whoami(bearer(mine.key))).statusCode).toBe(200);
      const del = await r.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${mine.id}`,
        headers: bearer(admin.token),
      });
      expect(del.statusCode).toBe(204);
      expectProblem(await whoami(bearer(mine.key)), 401, 'invalid_api_key');
      expect(
        events.find((e) => e.type === 'apikey.revoked' && e.target?.id === mine.id)?.details,
      ).toMatchObject({ reason: 'revoked_by_admin' });
    });

    it('caps the live keys an owner holds', async () => {
      const capped = await startTestRampart({
        database,
        overrides: { apiKeys: { maxPerOwner: 2 } },
      });
      try {
        const u = await createUser(capped, 'cap@example.com', ['DEVELOPER']);
        const token = await login(capped, u.email, u.password);
        const post = () =>
          capped.app.inject({
            method: 'POST',
            url: '/v1/api-keys',
            headers: bearer(token),
            payload: { name: 'k', scopes: ['apikeys:read'] },
          });
        expect((await post()).statusCode).toBe(201);
        const second = await post();
        expect(second.statusCode).toBe(201);
        expectProblem(await post(), 409, 'api_key_limit_reached');
        await capped.app.inject({
          method: 'DELETE',
          url: `/v1/api-keys/${second.json<KeyJson>().id}`,
          headers: bearer(token),
        });
        expect((await post()).statusCode).toBe(201);
      } finally {
        await capped.close();
      }
    });

    it('announces a key close to expiry once, and only that key', async () => {
      const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
      const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const expiring = await issue(dev.token, {
        name: 'soon',
        scopes: ['apikeys:read'],
        expiresAt: soon,
      });
      const fine = await issue(dev.token, {
        name: 'later',
        scopes: ['apikeys:read'],
        expiresAt: later,
      });
      const first = await r.identity.apiKeys.announceExpiring();
      expect(first.map((k) => k.id)).toContain(expiring.id);
      expect(first.map((k) => k.id)).not.toContain(fine.id);
      const again = await r.identity.apiKeys.announceExpiring();
      expect(again.map((k) => k.id)).not.toContain(expiring.id);
      const announced = events.filter(
        (e) => e.type === 'apikey.expiring' && e.target?.id === expiring.id,
      );
      expect(announced).toHaveLength(1);
      expect(announced[0]?.details).toMatchObject({ expiresAt: Date.parse(soon) });
    });

    it('service accounts: administrators create them and issue their keys; disabling kills the keys at once', async () => {
      const forbidden = await r.app.inject({
        method: 'POST',
        url: '/v1/service-accounts',
        headers: bearer(dev.token),
        payload: { name: 'billing-sync', roles: ['DEVELOPER'] },
      });
      expectProblem(forbidden, 403, 'permission_denied');
      const created = await r.app.inject({
        method: 'POST',
        url: '/v1/service-accounts',
        headers: bearer(admin.token),
        payload: { name: 'billing-sync', description: 'nightly export', roles: ['DEVELOPER'] },
      });
      expect(created.statusCode, created.body).toBe(201);
      const sa = created.json<{ id: string }>();
      const duplicate = await r.app.inject({
        method: 'POST',
        url: '/v1/service-accounts',
        headers: bearer(admin.token),
        payload: { name: 'billing-sync', roles: [] },
      });
      expectProblem(duplicate, 409, 'service_account_exists');

      const notAdmin = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(dev.token),
        payload: { name: 'steal', scopes: ['apikeys:read'], serviceAccountId: sa.id },
      });
      expectProblem(notAdmin, 404, 'service_account_not_found');
      const beyond = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(admin.token),
        payload: { name: 'too much', scopes: ['accounts:write'], serviceAccountId: sa.id },
      });
      expectProblem(beyond, 403, 'scope_not_allowed');
      const key = await issue(admin.token, {
        name: 'export',
        scopes: ['tokens:introspect'],
        serviceAccountId: sa.id,
      });
      expect(key.owner).toEqual({ kind: 'service_account', id: sa.id });
      const who = await whoami(bearer(key.key));
      expect(who.json()).toMatchObject({
        kind: 'api_key',
        id: sa.id,
        ownerKind: 'service_account',
      });
      const listed = await r.app.inject({
        method: 'GET',
        url: `/v1/api-keys?serviceAccountId=${sa.id}`,
        headers: bearer(admin.token),
      });
      expect(listed.json<{ items: KeyJson[] }>().items.map((k) => k.id)).toEqual([key.id]);

      const disabled = await r.app.inject({
        method: 'DELETE',
        url: `/v1/service-accounts/${sa.id}`,
        headers: bearer(admin.token),
      });
      expect(disabled.statusCode).toBe(204);
      expectProblem(await whoami(bearer(key.key)), 401, 'invalid_api_key');
      const after = await r.app.inject({
        method: 'GET',
        url: `/v1/service-accounts/${sa.id}`,
        headers: bearer(admin.token),
      });
      expect(after.json<{ disabledAt: string | null }>().disabledAt).not.toBeNull();
    });
  });
}
