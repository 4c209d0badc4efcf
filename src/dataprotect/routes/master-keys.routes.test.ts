import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { Authenticator } from '../../identity/authenticate.js';
import { newDataKey } from '../core/key-ring.js';
import { masterKeyFingerprint } from '../core/master-key-ring.js';
import { createSealer } from '../core/sealer.js';
import type { MasterKeyService } from '../master-key-service.js';
import { masterKeyRoutes } from './master-keys.routes.js';

describe('master key admin API', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let r: TestRampart;
  let admin: string;
  let developer: string;

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        masterKey: newKey.toString('base64'),
        masterKeyPrevious: [oldKey.toString('base64')],
      },
    });
    // A retired data key still sealed by the previous master key.
    const retired = newDataKey();
    await r.database.db
      .insertInto('data_keys')
      .values({
        id: retired.id,
        key_sealed: createSealer(oldKey).seal(retired.key, `data_key:${retired.id}`),
        status: 'retired',
        created_at: 1,
        retired_at: 2,
      })
      .execute();
    const a = await createUser(r, 'keys-admin@example.com', ['ADMIN']);
    admin = await login(r, a.email, a.password);
    const d = await createUser(r, 'keys-dev@example.com', ['DEVELOPER']);
    developer = await login(r, d.email, d.password);
  }, 60_000);
  afterAll(async () => r?.close());

  it('shows which master key seals each data key, by fingerprint only', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/keys/master',
      headers: bearer(admin),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.current).toBe(masterKeyFingerprint(newKey));
    expect(body.previous).toEqual([
      expect.objectContaining({
        fingerprint: masterKeyFingerprint(oldKey),
        data_keys: 1,
        needed: true,
      }),
    ]);
    expect(res.body).not.toContain(oldKey.toString('base64'));
    expect(res.body).not.toContain(newKey.toString('base64'));
  });

  it('re-seals in the background, audited, and reports the previous key no longer sealing anything', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/keys/master/rotate',
      headers: bearer(admin),
    });
    expect(res.statusCode).toBe(202);
    await r.masterKeys.activeRotation;
    const status = (
      await r.app.inject({ method: 'GET', url: '/v1/admin/keys/master', headers: bearer(admin) })
    ).json();
    expect(status.rotation).toMatchObject({ status: 'done', to: masterKeyFingerprint(newKey) });
    expect(
      status.data_keys.every((k: { sealed_by: string }) => k.sealed_by === status.current),
    ).toBe(true);
    expect(status.previous[0]).toMatchObject({ data_keys: 0, legacy_values: 0 });
    await r.audit?.flush();
    const actions = (await r.audit?.store.readAfter(0, 1000))?.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['master_key.rotated', 'master_key.rotation.completed']),
    );
  });

  it('is for administrators only', async () => {
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/admin/keys/master/rotate',
        headers: bearer(developer),
      }),
      403,
      'permission_denied',
    );
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/admin/keys/master' }),
      401,
      'authentication_required',
    );
  });
});

describe('master key routes', () => {
  it('mark the rotation sensitive, so production asks for step-up', async () => {
    const app = Fastify();
    const configs = new Map<string, unknown>();
    app.addHook('onRoute', (route) => {
      configs.set(`${route.method} ${route.url}`, route.config);
    });
    await app.register(masterKeyRoutes, {
      masterKeys: {} as MasterKeyService,
      auth: { requireRole: () => async () => {} } as unknown as Authenticator,
      logger: pino({ level: 'silent' }),
    });
    await app.ready();
    expect(configs.get('POST /v1/admin/keys/master/rotate')).toMatchObject({ sensitive: true });
    await app.close();
  });
});
