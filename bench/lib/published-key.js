import { expectJson } from './rampart-client.js';

/**
 * The public JWK Rampart signed `token` with, from its `/.well-known/jwks.json`: what a
 * peer that verifies Rampart's tokens itself is given.
 *
 * @example
 * const jwk = await publishedKeyOf(rampart, token);
 */
export async function publishedKeyOf(rampart, token) {
  const { keys } = await expectJson(await fetch(`${rampart.url}/.well-known/jwks.json`), 'jwks');
  const { kid } = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error('the token was not signed by a published key');
  return jwk;
}
