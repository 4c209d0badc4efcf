import { createHmac, hash } from 'node:crypto';
import type { Principal } from '../identity/principal.js';
import { identityHeaders } from './identity-signature.js';

/** SHA-256's block size: the HMAC key pads are one block (RFC 2104 §2). */
const blockBytes = 64;
/** Canonical texts up to this many UTF-16 units are signed through the reused buffer. */
const maxTextChars = 2730;

/**
 * Signs the identity headers of proxied requests: the same HMAC-SHA256 over the same
 * canonical text as {@link signIdentity} and `identityMac`, which `verifyGatewayIdentity`
 * checks. The signature covers the request id, the timestamp, the method and the path, so
 * it is computed for every request; what makes it cheap is the HMAC itself, written out
 * (RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text))) as two one-shot `crypto.hash` calls
 * over buffers that hold the key pads already, instead of an Hmac object per request.
 *
 * @example
 * const signer = new IdentitySigner(secret);
 * const headers: string[] = [];
 * signer.sign(request.principal, String(request.id), 'GET', '/orders', now, headers);
 */
export class IdentitySigner {
  readonly #key: Buffer;
  /** K ⊕ ipad, then the text. */
  readonly #inner: Buffer;
  /** K ⊕ opad, then the inner digest. */
  readonly #outer: Buffer;

  constructor(secret: string) {
    let key = Buffer.from(secret, 'utf8');
    this.#key = key;
    // Keys longer than a block are hashed first (RFC 2104 §2).
    if (key.length > blockBytes) key = Buffer.from(hash('sha256', key, 'base64'), 'base64');
    this.#inner = Buffer.alloc(blockBytes + maxTextChars * 3, 0x36);
    this.#outer = Buffer.alloc(blockBytes + 32, 0x5c);
    for (let i = 0; i < key.length; i++) {
      this.#inner[i] = 0x36 ^ (key[i] as number);
      this.#outer[i] = 0x5c ^ (key[i] as number);
    }
  }

  /** HMAC-SHA256 of the UTF-8 text, base64url: equal to `identityMac(secret, text)`. */
  mac(text: string): string {
    if (text.length > maxTextChars) {
      return createHmac('sha256', this.#key).update(text, 'utf8').digest('base64url');
    }
    const length = this.#inner.write(text, blockBytes, 'utf8');
    const innerDigest = hash('sha256', this.#inner.subarray(0, blockBytes + length), 'base64');
    this.#outer.write(innerDigest, blockBytes, 'base64');
    return hash('sha256', this.#outer, 'base64url');
  }

  /**
   * Appends the identity headers of one request and their signature to a flat
   * `[name, value, …]` header list (the caller is anonymous when `principal` is null).
   */
  sign(
    principal: Principal | null,
    requestId: string,
    method: string,
    path: string,
    nowSeconds: number,
    into: string[],
  ): void {
    let who = 'anonymous';
    let keyId = '';
    let roles = '';
    let scopes = '';
    if (principal !== null) {
      who = `${principal.kind}:${principal.id}`;
      roles = principal.roles.join(',');
      if (principal.kind === 'api_key') {
        keyId = principal.keyId;
        scopes = principal.scopes.join(',');
      }
    }
    // canonicalIdentity's lines, in its order.
    const mac = this.mac(
      `rampart-identity/v1\n${nowSeconds}\n${method.toUpperCase()}\n${path}\n${who}\n${keyId}\n${roles}\n${scopes}\n${requestId}`,
    );
    into.push(
      identityHeaders.principal,
      who,
      identityHeaders.roles,
      roles,
      identityHeaders.requestId,
      requestId,
    );
    if (keyId !== '') into.push(identityHeaders.keyId, keyId);
    if (scopes !== '') into.push(identityHeaders.scopes, scopes);
    into.push(identityHeaders.signature, `t=${nowSeconds},v1=${mac}`);
  }
}
