/**
 * RFC 9421 HTTP Message Signatures as a second way to sign a request with an API key's
 * signing secret. The attacks are the X-Signature scheme's: replaying a captured request,
 * changing its method, target or body, signing only part of it so the rest can be
 * swapped, a stale or expired signature, and a forged MAC burning the real client's
 * nonce. The client side is an independent RFC 9421 implementation
 * (http-message-signatures), not Rampart's code.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createSigner, httpbis } from 'http-message-signatures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

interface SigningKey {
  id: string;
  signingSecret: string;
}

async function orderRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/test/orders',
    { preHandler: app.rampartAuth.requireSignature('apikeys:write') },
    async (request) => ({ ok: true, body: request.body as unknown }),
  );
  app.get('/test/orders/:id', { preHandler: app.rampartAuth.requireSignature() }, async () => ({
    ok: true,
  }));
}

interface SignOptions {
  method?: 'GET' | 'POST';
  url?: string;
  body?: string;
  host?: string;
  fields?: string[];
  params?: string[];
  created?: Date;
  expires?: Date;
  nonce?: string;
  secret?: string;
  keyId?: string;
  alg?: string;
}

function contentDigest(body: string): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

for (const hot of testHotStoreKinds()) {
  describe(`RFC 9421 signed requests (${hot} hot store)`, () => {
    let r: TestRampart;
    let token: string;
    let signer: SigningKey;
    let events: SecurityEvent[];

    /** Signs with http-message-signatures and sends through inject. */
    async function signed(o: SignOptions = {}) {
      const method = o.method ?? 'POST';
      const url = o.url ?? '/test/orders?priority=high';
      const host = o.host ?? 'api.example.com';
      const body = o.body ?? (method === 'POST' ? '{"amount":100}' : undefined);
      const headers: Record<string, string> = { host };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-digest'] = contentDigest(body);
      }
      const fields =
        o.fields ??
        ['@method', '@authority', '@path', '@query'].concat(
          body !== undefined ? ['content-digest'] : [],
        );
      const request = await httpbis.signMessage(
        {
          key: createSigner(
            Buffer.from(o.secret ?? signer.signingSecret, 'utf8'),
            'hmac-sha256',
            o.keyId ?? signer.id,
          ),
          fields,
          params: o.params ?? ['created', 'nonce', 'keyid', 'alg'],
          paramValues: {
            created: o.created ?? new Date(),
            nonce: o.nonce ?? randomBytes(16).toString('base64url'),
            ...(o.expires ? { expires: o.expires } : {}),
            ...(o.alg ? { alg: o.alg } : {}),
          },
        },
        { method, url: `http://${host}${url}`, headers },
      );
      return {
        headers: request.headers as Record<string, string>,
        send: (changes: { url?: string; body?: string; headers?: Record<string, string> } = {}) =>
          r.app.inject({
            method,
            url: changes.url ?? url,
            headers: { ...(request.headers as Record<string, string>), ...changes.headers },
            ...((changes.body ?? body) !== undefined ? { payload: changes.body ?? body } : {}),
          }),
      };
    }

    beforeAll(async () => {
      r = await startTestRampart({ hot, register: orderRoute });
      events = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const u = await createUser(r, 'rfc9421@example.com', ['DEVELOPER']);
      token = await login(r, u.email, u.password);
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name: 'rfc9421 signer', scopes: ['apikeys:write'], signing: true },
      });
      expect(res.statusCode, res.body).toBe(201);
      signer = res.json<SigningKey>();
    });
    afterAll(async () => r?.close());

    it('accepts a request signed by an independent RFC 9421 implementation', async () => {
      const s = await signed();
      expect(s.headers['Signature-Input']).toMatch(/;keyid="[0-9a-f-]{36}"/);
      const res = await s.send();
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ ok: true, body: { amount: 100 } });
      const get = await (await signed({ method: 'GET', url: '/test/orders/7' })).send();
      expect(get.statusCode, get.body).toBe(200);
      const targetUri = await (
        await signed({ fields: ['@method', '@target-uri', 'content-digest'] })
      ).send();
      expect(targetUri.statusCode, targetUri.body).toBe(200);
    });

    it('refuses a replay with signature_replayed, on this node and (on Redis) every node', async () => {
      const s = await signed();
      expect((await s.send()).statusCode).toBe(200);
      expectProblem(await s.send(), 401, 'signature_replayed');
      expect(
        events.some((e) => e.type === 'signature.replayed' && e.target?.id === signer.id),
      ).toBe(true);
    });

    it('refuses any change to method, authority, path, query or body', async () => {
      const s = await signed();
      expectProblem(await s.send({ url: '/test/orders?priority=low' }), 401, 'signature_invalid');
      expectProblem(await s.send({ url: '/test/orders' }), 401, 'signature_invalid');
      expectProblem(
        await s.send({ headers: { host: 'other.example.com' } }),
        401,
        'signature_invalid',
      );
      // A new body with its own matching Content-Digest: the digest is covered.
      expectProblem(
        await s.send({
          body: '{"amount":999}',
          headers: { 'content-digest': contentDigest('{"amount":999}') },
        }),
        401,
        'signature_invalid',
      );
      // A new body under the old digest: the digest no longer matches the body.
      expectProblem(await s.send({ body: '{"amount":999}' }), 401, 'signature_invalid');
      // None of these burned the nonce: the untouched request still passes.
      expect((await s.send()).statusCode).toBe(200);
    });

    it('refuses a signature that leaves the method, the target or the body uncovered', async () => {
      for (const fields of [
        ['@authority', '@path', '@query', 'content-digest'], // no @method
        ['@method', '@path', 'content-digest'], // the query could change
        ['@method', '@authority', '@path', '@query'], // the body could change
      ]) {
        const res = await (await signed({ fields })).send();
        expectProblem(res, 401, 'signature_invalid');
      }
      const reasons = events
        .filter((e) => e.type === 'signature.rejected')
        .map((e) => e.details.reason);
      expect(reasons).toContain('rfc9421_uncovered_target');
      expect(reasons).toContain('rfc9421_uncovered_body');
    });

    it('requires created, nonce and keyid, and refuses another algorithm', async () => {
      for (const params of [
        ['nonce', 'keyid'],
        ['created', 'keyid'],
      ]) {
        expectProblem(await (await signed({ params })).send(), 401, 'signature_invalid');
      }
      expectProblem(
        await (
          await signed({ params: ['created', 'nonce', 'keyid', 'alg'], alg: 'ed25519' })
        ).send(),
        401,
        'signature_invalid',
      );
      expectProblem(
        await (await signed({ keyId: '01234567-89ab-7def-8123-456789abcdef' })).send(),
        401,
        'signature_invalid',
      );
    });

    it('refuses a created time outside the allowed skew and a past expires', async () => {
      for (const offset of [-301, 301]) {
        const created = new Date(Date.now() + offset * 1000);
        expectProblem(await (await signed({ created })).send(), 401, 'signature_expired');
      }
      const expired = await signed({
        params: ['created', 'expires', 'nonce', 'keyid'],
        created: new Date(Date.now() - 60_000),
        expires: new Date(Date.now() - 30_000),
      });
      expectProblem(await expired.send(), 401, 'signature_expired');
    });

    it('a forged MAC is refused without burning the nonce of the genuine request', async () => {
      const nonce = `rfc9421-burn-${hot}-0001`;
      const forged = await signed({
        nonce,
        secret: 'rms_not-the-secret-aaaaaaaaaaaaaaaaaaaaaaaaaa',
      });
      expectProblem(await forged.send(), 401, 'signature_invalid');
      const genuine = await signed({ nonce });
      expect((await genuine.send()).statusCode).toBe(200);
    });

    it('refuses a request that mixes an RFC 9421 signature with a bearer credential', async () => {
      const s = await signed();
      expectProblem(await s.send({ headers: bearer(token) }), 400, 'ambiguous_credentials');
    });
  });
}
