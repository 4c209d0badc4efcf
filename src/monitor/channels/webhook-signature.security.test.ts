/*
 * Attack: someone who can reach a webhook receiver forges or alters an alert ("all clear",
 * or a fake incident that triggers automation downstream), or replays a captured genuine
 * delivery later. The receiver verifies X-Rampart-Signature: an HMAC-SHA256 with the
 * channel secret over the timestamp and the raw body, and a timestamp within tolerance.
 */
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';

const secret = 'channel-secret-0123456789';
const body = JSON.stringify({ status: 'firing', alert: { rule: { name: 'brute-force' } } });
const now = Date.parse('2026-06-01T12:00:00Z');
const t = Math.floor(now / 1000);

describe('webhook signatures', () => {
  it('verifies a genuine body and header', () => {
    const header = signWebhookBody(secret, body, t);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret, header, body, now })).toBe(true);
    expect(verifyWebhookSignature({ secret, header, body: Buffer.from(body), now })).toBe(true);
  });

  it('refuses a tampered body', () => {
    const header = signWebhookBody(secret, body, t);
    expect(
      verifyWebhookSignature({ secret, header, body: body.replace('firing', 'resolved'), now }),
    ).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    const header = signWebhookBody('another-secret-entirely', body, t);
    expect(verifyWebhookSignature({ secret, header, body, now })).toBe(false);
  });

  it('refuses a replay outside the tolerance and a timestamp moved to look fresh', () => {
    const old = signWebhookBody(secret, body, t - 600);
    expect(verifyWebhookSignature({ secret, header: old, body, now })).toBe(false);
    const moved = old.replace(/^t=\d+/, `t=${t}`);
    expect(verifyWebhookSignature({ secret, header: moved, body, now })).toBe(false);
  });

  it('refuses a genuine signature dated further ahead than the tolerance', () => {
    // Signed by a sender whose clock runs ahead: replayable for that long, so refused.
    const ahead = signWebhookBody(secret, body, t + 600);
    expect(verifyWebhookSignature({ secret, header: ahead, body, now })).toBe(false);
    const slightlyAhead = signWebhookBody(secret, body, t + 60);
    expect(verifyWebhookSignature({ secret, header: slightlyAhead, body, now })).toBe(true);
  });

  it('answers false, without throwing, for a signature of the wrong length', () => {
    const genuine = signWebhookBody(secret, body, t);
    for (const header of [`t=${t},v1=abc`, `${genuine.slice(0, -1)}`, `${genuine}0`]) {
      expect(verifyWebhookSignature({ secret, header, body, now })).toBe(false);
    }
  });

  it('refuses missing, malformed and oversized headers', () => {
    for (const header of [
      undefined,
      '',
      'v1=abc',
      `t=${t}`,
      `t=abc,v1=${'0'.repeat(64)}`,
      `t=${t},v1=${'a'.repeat(600)}`,
    ])
      expect(verifyWebhookSignature({ secret, header, body, now })).toBe(false);
  });
});
