import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';

/**
 * An authorization server's metadata that names its own issuer but points every endpoint
 * at another provider: the shape of a mix-up (RFC 9207 §2, RFC 9700 §4.4), where a client
 * receives a response and an ID token from an issuer other than the one it started with.
 */
export async function startMixUpMetadata(
  target: string,
): Promise<{ issuer: string; close(): Promise<void> }> {
  const upstream = (await (
    await fetch(`${target}/.well-known/openid-configuration`)
  ).json()) as Record<string, unknown>;
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/openid-configuration') {
      res.writeHead(404).end();
      return;
    }
    const { authorization_response_iss_parameter_supported: _iss, ...rest } = upstream;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ...rest, issuer }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A provider in front of `target` whose token endpoint re-issues the ID token under its
 * own issuer name but signs it with a key that is not in the JWKS it publishes (the
 * target's): everything checks out except the signature.
 */
export async function startForgingProvider(
  target: string,
): Promise<{ issuer: string; close(): Promise<void> }> {
  const upstream = (await (
    await fetch(`${target}/.well-known/openid-configuration`)
  ).json()) as Record<string, string>;
  const { privateKey } = await generateKeyPair('RS256');
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/.well-known/openid-configuration') {
        const { authorization_response_iss_parameter_supported: _iss, ...rest } = upstream;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ...rest, issuer, token_endpoint: `${issuer}/token` }));
        return;
      }
      if (req.method === 'POST' && req.url === '/token') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const answer = await fetch(upstream.token_endpoint as string, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          },
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const tokens = (await answer.json()) as Record<string, unknown>;
        if (typeof tokens.id_token === 'string') {
          const header = decodeProtectedHeader(tokens.id_token);
          tokens.id_token = await new SignJWT({ ...decodeJwt(tokens.id_token), iss: issuer })
            .setProtectedHeader({ alg: 'RS256', ...(header.kid ? { kid: header.kid } : {}) })
            .sign(privateKey);
        }
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(tokens));
        return;
      }
      res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
