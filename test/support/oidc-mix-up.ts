import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

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
