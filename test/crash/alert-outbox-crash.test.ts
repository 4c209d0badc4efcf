import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spawned, spawnNode } from '../support/spawn.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const bin = fileURLToPath(new URL('../../bin/rampart.js', import.meta.url));

/**
 * A notification in flight when the evaluating node dies is not lost: it was written to
 * the outbox before it was sent, so the node started again (on the same database) sends
 * it once the dead run's lease has run out, with the same delivery id, which the receiver
 * uses to drop the duplicate. At least once, never zero; and soon: the lease is short
 * (renewed while a run lives), not as long as the whole run the dead node had begun.
 */
describe('alert notifications across a crash', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A node with one always-firing rule whose first notification the receiver holds. */
  async function crashMidDelivery(delivery: Record<string, number>) {
    const hook: WebhookReceiver = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    // The receiver takes the first request and answers far too late: the node dies waiting.
    hook.delayMs = 60_000;
    const cwd = mkdtempSync(join(tmpdir(), 'rampart-outbox-'));
    writeFileSync(
      join(cwd, 'rampart.config.json'),
      JSON.stringify({
        alerts: {
          evaluationIntervalMs: 100,
          delivery,
          channels: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'x'.repeat(24) }],
          rules: [
            {
              name: 'always-firing',
              // A gauge of this node that exists from its first evaluation on: >= 0 holds at once.
              metric: { name: 'rampart_jobs_active', labels: { job: 'alert_evaluation' } },
              aggregation: 'max',
              window: 60,
              operator: 'gte',
              threshold: 0,
              for: 0,
              severity: 'high',
              labels: {},
              annotations: {},
              channels: ['hook'],
              cooldown: 0,
              repeatInterval: 0,
              groupBy: [],
              enabled: true,
            },
          ],
        },
      }),
    );
    const env = {
      RAMPART_PORT: '0',
      RAMPART_DATA_DIR: join(cwd, 'data'),
      RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
      RAMPART_MAIL_TRANSPORT: 'none',
      RAMPART_LOG_LEVEL: 'warn',
    };
    const start = async (): Promise<Spawned> => {
      const server = spawnNode([bin, 'start'], { cwd, env });
      cleanups.push(async () => {
        if (server.child.exitCode === null && server.child.signalCode === null)
          server.child.kill('SIGKILL');
        await server.exit();
      });
      await server.waitFor(/Listening on\s+(\S+)/);
      return server;
    };

    const first = await start();
    const [inFlight] = await hook.waitFor(1, 20_000);
    first.child.kill('SIGKILL');
    expect((await first.exit()).signal).toBe('SIGKILL');
    return { hook, start, inFlight, killedAt: Date.now() };
  }

  it('sends a notification whose delivery a SIGKILL interrupted again after the restart, with the same delivery id', async () => {
    // One attempt of at most 2 s: the lease is that run's length and a second (3 s).
    const { hook, start, inFlight } = await crashMidDelivery({
      attempts: 1,
      timeoutMs: 2000,
      backoffMs: 10,
      maxBackoffMs: 10,
    });
    const deliveryId = inFlight?.headers['x-rampart-delivery'];
    expect(deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(inFlight?.body ?? '{}')).toMatchObject({ status: 'firing', deliveryId });

    hook.delayMs = 0;
    await start();
    const requests = await hook.waitFor(2, 30_000);
    // The same notification again (same delivery id), and no new one: the alert's firing
    // state was persisted with its outbox row, so the new process does not fire it anew.
    await new Promise((r) => setTimeout(r, 1000));
    expect(hook.requests.map((q) => q.headers['x-rampart-delivery'])).toEqual([
      deliveryId,
      deliveryId,
    ]);
    expect(JSON.parse(requests[1]?.body ?? '{}')).toMatchObject({
      status: 'firing',
      deliveryId,
      alert: { rule: { name: 'always-firing' } },
    });
  }, 90_000);

  it('sends it again within a lease of the crash with the default retries, not after the whole run they allow', async () => {
    // 4 attempts of 5 s and backoffs up to 10 s: a run may last 51 s, the lease is 10 s.
    const { hook, start, inFlight, killedAt } = await crashMidDelivery({});
    hook.delayMs = 0;
    await start();
    const [, resent] = await hook.waitFor(2, 30_000);
    expect(resent?.headers['x-rampart-delivery']).toBe(inFlight?.headers['x-rampart-delivery']);
    // The lease (10 s from its last renewal) and a restart with its first evaluations.
    expect((resent?.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(20_000);
  }, 90_000);
});
