import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpSink } from '../../../test/support/smtp-sink.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver.js';
import { createSmtpMailer } from '../../mail/smtp-mailer.js';
import type { AlertNotification } from '../alerts/core/alert-rule.js';
import type { DeliveryRecord } from '../alerts/store.js';
import { JobTracker } from '../core/job-tracker.js';
import { createAlertmanagerSender } from './alertmanager-channel.js';
import { DeliveryError } from './channel.js';
import { ChannelDispatcher, type DispatcherOptions } from './dispatcher.js';
import { createEmailSender } from './email-channel.js';
import { createSlackSender } from './slack-channel.js';
import { createWebhookSender } from './webhook-channel.js';

const notification = (over: Partial<AlertNotification> = {}): AlertNotification => ({
  id: '0190f000-0000-7000-8000-000000000001',
  status: 'firing',
  fingerprint: 'fp1',
  ruleId: 'r1',
  ruleName: 'brute-force',
  severity: 'critical',
  labels: { alertname: 'brute-force', key: '<203.0.113.7>' },
  annotations: { summary: 'logins & more from {{x}}' },
  value: 42,
  threshold: 10,
  startsAt: Date.parse('2026-01-01T00:00:00Z'),
  endsAt: null,
  ...over,
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  cleanups.push(() => r.close());
  return r;
}

function dispatcher(over: Partial<DispatcherOptions> = {}) {
  const records: DeliveryRecord[] = [];
  const failed: DeliveryRecord[] = [];
  const d = new ChannelDispatcher({
    attempts: 2,
    timeoutMs: 300,
    baseDelayMs: 10,
    maxDelayMs: 50,
    breakerFailures: 3,
    breakerOpenMs: 60_000,
    record: async (r) => {
      records.push(r);
    },
    onFailed: (r) => failed.push(r),
    onError: (e) => {
      throw e;
    },
    ...over,
  });
  return { d, records, failed };
}

describe('ChannelDispatcher', () => {
  it('delivers to a healthy channel at once while another channel times out', async () => {
    const slow = await receiver();
    slow.hang = true;
    const fast = await receiver();
    const { d, records } = dispatcher({ timeoutMs: 2000, attempts: 3 });
    const started = Date.now();
    d.dispatch(notification(), [
      { name: 'slow', sender: createWebhookSender({ url: slow.url, secret: 'x'.repeat(16) }) },
      { name: 'fast', sender: createWebhookSender({ url: fast.url, secret: 'y'.repeat(16) }) },
    ]);
    const [hit] = await fast.waitFor(1);
    // The slow channel needs 3 × 2 s to fail; the fast one must not wait for any of it.
    expect((hit?.at ?? 0) - started).toBeLessThan(1500);
    await d.drain();
    const byChannel = Object.fromEntries(records.map((r) => [r.channel, r]));
    expect(byChannel.fast).toMatchObject({ outcome: 'delivered', attempts: 1 });
    expect(byChannel.slow).toMatchObject({ outcome: 'failed', attempts: 3, error: 'timeout' });
  }, 20_000);

  it('retries a failing receiver and records the attempts', async () => {
    const hook = await receiver();
    const slack = createSlackSender({ url: hook.url });
    let calls = 0;
    // Fault injection: the first two attempts fail as a 503 would.
    const flaky = {
      send: async (n: AlertNotification, signal: AbortSignal) => {
        calls++;
        if (calls <= 2) throw new DeliveryError('http 503');
        await slack.send(n, signal);
      },
    };
    const { d, records } = dispatcher({ attempts: 4 });
    const record = await d.deliver(notification(), { name: 'flaky', sender: flaky });
    expect(record).toMatchObject({ outcome: 'delivered', attempts: 3 });
    expect(hook.requests).toHaveLength(1);
    expect(records).toHaveLength(1);
  });

  it('does not retry a receiver that refuses the request (4xx)', async () => {
    const refusing = await receiver();
    refusing.status = 400;
    const { d, failed } = dispatcher({ attempts: 4 });
    const record = await d.deliver(notification(), {
      name: 'refusing',
      sender: createSlackSender({ url: refusing.url }),
    });
    expect(record).toMatchObject({ outcome: 'failed', attempts: 1, error: 'http 400' });
    expect(failed).toHaveLength(1);
  });

  it('opens the circuit of a dead channel and then refuses without calling it', async () => {
    const dead = await receiver();
    dead.status = 500;
    const { d } = dispatcher({ attempts: 1, breakerFailures: 2 });
    const target = { name: 'dead', sender: createSlackSender({ url: dead.url }) };
    await d.deliver(notification(), target);
    await d.deliver(notification(), target);
    const refused = await d.deliver(notification(), target);
    expect(refused).toMatchObject({ outcome: 'refused', attempts: 0, error: 'circuit open' });
    expect(dead.requests).toHaveLength(2);
    expect(d.circuitStates()).toEqual({ dead: 'open' });
  });

  it('sends the delivery id on every attempt: the X-Rampart-Delivery header and the signed body', async () => {
    const hook = await receiver();
    hook.status = 503;
    const { d } = dispatcher({ attempts: 3 });
    const target = {
      name: 'hook',
      sender: createWebhookSender({ url: hook.url, secret: 'w'.repeat(16) }),
    };
    const delivered = d.deliver(notification(), target, '0190f000-0000-7000-8000-0000000000aa');
    await hook.waitFor(1);
    hook.status = 200;
    expect(await delivered).toMatchObject({ outcome: 'delivered' });
    expect(hook.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of hook.requests) {
      expect(request.headers['x-rampart-delivery']).toBe('0190f000-0000-7000-8000-0000000000aa');
      expect(JSON.parse(request.body).deliveryId).toBe('0190f000-0000-7000-8000-0000000000aa');
    }
  });

  it('keeps one channel in order: a firing before its resolved', async () => {
    const hook = await receiver();
    const { d } = dispatcher();
    const target = {
      name: 'hook',
      sender: createWebhookSender({ url: hook.url, secret: 'z'.repeat(16) }),
    };
    d.dispatch(notification(), [target]);
    d.dispatch(notification({ status: 'resolved', endsAt: Date.now() }), [target]);
    await d.drain();
    expect(hook.requests.map((r) => JSON.parse(r.body).status)).toEqual(['firing', 'resolved']);
  });

  it('releases a claimed job after its run, even when completing it fails, and an unclaimed one never', async () => {
    const hook = await receiver();
    const errors: unknown[] = [];
    const { d } = dispatcher({ onError: (e) => errors.push(e) });
    const target = {
      name: 'hook',
      sender: createWebhookSender({ url: hook.url, secret: 'z'.repeat(16) }),
    };
    const released: string[] = [];
    const lost = new Error('database gone');
    d.enqueue({
      id: 'a',
      notification: notification(),
      target,
      claim: async () => true,
      complete: async () => {
        throw lost;
      },
      release: () => released.push('a'),
    });
    d.enqueue({
      id: 'b',
      notification: notification(),
      target,
      claim: async () => false,
      release: () => released.push('b'),
    });
    await d.drain();
    // The claim's renewal stops with the run (released), and the failure is reported.
    expect(released).toEqual(['a']);
    expect(errors).toEqual([lost]);
    expect(hook.requests).toHaveLength(1);
  });
});

describe('channel formats', () => {
  it('escapes Slack control characters in substituted values only', async () => {
    const hook = await receiver();
    await createSlackSender({ url: hook.url, template: '*{{ruleName}}* {{labels.key}}' }).send(
      notification(),
      new AbortController().signal,
    );
    expect(JSON.parse(hook.requests[0]?.body ?? '{}')).toEqual({
      text: '*brute-force* &lt;203.0.113.7&gt;',
    });
  });

  it("posts Alertmanager's API v2: labels, annotations, startsAt and endsAt once resolved", async () => {
    const am = await receiver();
    const sender = createAlertmanagerSender(
      { url: `${am.url}/` },
      'https://rampart.example/v1/alerts',
    );
    await sender.send(
      notification({ status: 'resolved', endsAt: Date.parse('2026-01-01T00:05:00Z') }),
      new AbortController().signal,
    );
    const [hit] = am.requests;
    expect(hit?.url).toBe('/api/v2/alerts');
    expect(JSON.parse(hit?.body ?? '[]')).toEqual([
      {
        labels: { alertname: 'brute-force', key: '<203.0.113.7>', severity: 'critical' },
        annotations: expect.objectContaining({
          summary: expect.stringContaining('[resolved] brute-force'),
        }),
        startsAt: '2026-01-01T00:00:00.000Z',
        endsAt: '2026-01-01T00:05:00.000Z',
        generatorURL: 'https://rampart.example/v1/alerts',
      },
    ]);
  });

  it('delivers an e-mail alert over SMTP to the sink, with no header injection from a label', async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const mailer = createSmtpMailer({ url: sink.url, from: 'rampart@example.com' });
    cleanups.push(() => mailer.close());
    const { d } = dispatcher({ timeoutMs: 10_000 });
    const record = await d.deliver(
      notification({ ruleName: 'evil\r\nBcc: victim@example.com' }),
      { name: 'mail', sender: createEmailSender({ to: ['oncall@example.com'] }, mailer) },
      '0190f000-0000-7000-8000-0000000000bb',
    );
    expect(record.outcome).toBe('delivered');
    const mail = await sink.nextFor('oncall@example.com');
    // A resend after a crash is the same message to a store that drops duplicates.
    expect(mail.raw).toMatch(
      /^Message-ID: <0190f000-0000-7000-8000-0000000000bb@rampart\.alerts>/im,
    );
    expect(mail.raw).toMatch(/^X-Rampart-Delivery: 0190f000-0000-7000-8000-0000000000bb/im);
    expect(mail.subject).toContain('[Rampart firing] evil Bcc: victim@example.com');
    expect(mail.text).toContain('value 42, threshold 10');
    expect(sink.messagesFor('victim@example.com')).toHaveLength(0);
  });

  it('counts deliveries as jobs by outcome and reports the work queued behind a slow channel', async () => {
    const slow = await receiver();
    slow.hang = true;
    const jobs = new JobTracker();
    const { d } = dispatcher({ jobs, attempts: 1, timeoutMs: 300 });
    const target = {
      name: 'slow',
      sender: createWebhookSender({ url: slow.url, secret: 'x'.repeat(16) }),
    };
    for (let i = 0; i < 3; i++)
      d.dispatch(notification({ id: `0190f000-0000-7000-8000-00000000000${i}` }), [target]);
    // One delivery in flight, two waiting behind it on the channel's queue.
    await new Promise((r) => setImmediate(r));
    expect(jobs.counts().get('alert_delivery')).toMatchObject({ active: 1, queued: 2 });
    await d.drain();
    expect(jobs.counts().get('alert_delivery')).toEqual({
      active: 0,
      queued: 0,
      success: 0,
      failure: 3,
    });
  });
});
