import { afterEach, describe, expect, it } from 'vitest';
import { secretSamples } from '../../../test/support/secret-samples.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

let rampart: TestRampart | undefined;
afterEach(async () => {
  await rampart?.close();
  rampart = undefined;
});

const stripe = secretSamples.find((s) => s.rule === 'stripe-live-key');
const pem = secretSamples.find((s) => s.rule === 'private-key');

describe('runtime secret scanning of request bodies', () => {
  it('a secret in a chosen route’s body emits secret.detected with the rule and redacted evidence, never the secret', async () => {
    rampart = await startTestRampart({
      overrides: { secretScan: { routes: ['POST /test/tickets', '* /test/prefix/*'] } },
      register: async (app) => {
        app.post('/test/tickets', async () => ({ ok: true }));
        app.post('/test/other', async () => ({ ok: true }));
        app.put('/test/prefix/:id', async () => ({ ok: true }));
      },
    });
    const seen: SecurityEvent[] = [];
    rampart.events.subscribe('test', (e) => {
      if (e.type === 'secret.detected') seen.push(e);
    });
    const res = await rampart.app.inject({
      method: 'POST',
      url: '/test/tickets',
      payload: { title: 'help', body: `my key is ${stripe?.secret} please`, pem: pem?.secret },
    });
    expect(res.statusCode).toBe(200);
    expect(seen.map((e) => e.details.rule).sort()).toEqual(['private-key', 'stripe-live-key']);
    const event = seen.find((e) => e.details.rule === 'stripe-live-key');
    expect(event?.details).toMatchObject({ evidence: 'sk_l…', source: 'request_body' });
    expect(event?.target).toEqual({ type: 'route', id: 'POST /test/tickets' });
    expect(JSON.stringify(seen)).not.toContain(stripe?.secret ?? '-');
    expect(JSON.stringify(seen)).not.toContain(pem?.secret.slice(40, 80) ?? '-');
    // Nor does the log line or the audit trail carry it.
    expect(rampart.logText()).not.toContain(stripe?.secret ?? '-');

    await rampart.app.inject({
      method: 'POST',
      url: '/test/other',
      payload: { k: stripe?.secret },
    });
    expect(seen).toHaveLength(2);
    await rampart.app.inject({
      method: 'PUT',
      url: '/test/prefix/7',
      payload: { k: stripe?.secret },
    });
    expect(seen).toHaveLength(3);
  });

  it('a body without secrets emits nothing', async () => {
    rampart = await startTestRampart({
      overrides: { secretScan: { routes: ['POST /test/tickets'] } },
      register: async (app) => {
        app.post('/test/tickets', async () => ({ ok: true }));
      },
    });
    const seen: SecurityEvent[] = [];
    rampart.events.subscribe('test', (e) => {
      if (e.type === 'secret.detected') seen.push(e);
    });
    await rampart.app.inject({
      method: 'POST',
      url: '/test/tickets',
      payload: { title: 'help', token: 'short', password: 'passwordpassword' },
    });
    expect(seen).toEqual([]);
  });
});
