import type { FastifyRequest } from 'fastify';
import { bodyDigest } from '../shared/sign-request.js';
import type { SignedWithInput } from './core/api-key-verification.js';
import {
  contentDigestMatches,
  MessageSignatureError,
  parseMessageSignature,
  type SignedMessage,
  signatureBase,
  verifyHmacSha256,
} from './core/http-message-signature.js';

const emptyDigest = bodyDigest(undefined);

/** Whether a request carries an RFC 9421 signature (as opposed to the X-Signature lines). */
export function hasMessageSignature(request: FastifyRequest): boolean {
  return request.headers['signature-input'] !== undefined;
}

export type MessageSignatureCheck =
  | { ok: true; input: Omit<SignedWithInput, 'ip'> }
  | { ok: false; reason: string; expired?: boolean; keyId?: string };

function single(request: FastifyRequest, name: string): string {
  const v = request.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : '';
}

/**
 * Reads an RFC 9421 signature and applies Rampart's policy for it, which gives it the
 * guarantee of the X-Signature scheme:
 * - `keyid` (the API key's id), `created` and `nonce` are required; `alg`, when present,
 *   is `hmac-sha256`; a past `expires` is refused;
 * - the signature covers `@method` and the whole target (`@target-uri`,
 *   `@request-target`, or `@path` with `@query`), so it cannot be moved to another
 *   operation;
 * - a request with a body covers `content-digest`, and that field's `sha-256` matches
 *   the body received (RFC 9530), so the body cannot be swapped.
 * The MAC itself is checked by the API-key service with the key's signing secret; the
 * timestamp window and the nonce's novelty are the same as for X-Signature.
 */
export function checkMessageSignature(request: FastifyRequest, now: number): MessageSignatureCheck {
  try {
    const parsed = parseMessageSignature(
      single(request, 'signature-input'),
      single(request, 'signature'),
    );
    const { keyid, created, nonce, alg, expires } = parsed.params;
    if (keyid === undefined || created === undefined || nonce === undefined) {
      return { ok: false, reason: 'rfc9421_missing_parameter' };
    }
    if (alg !== undefined && alg !== 'hmac-sha256') {
      return { ok: false, reason: 'rfc9421_unsupported_alg', keyId: keyid };
    }
    if (expires !== undefined && expires * 1000 < now) {
      return { ok: false, reason: 'signature_expired', expired: true, keyId: keyid };
    }
    const covered = new Set(parsed.components);
    const target =
      covered.has('@target-uri') ||
      covered.has('@request-target') ||
      (covered.has('@path') && covered.has('@query'));
    if (!covered.has('@method') || !target) {
      return { ok: false, reason: 'rfc9421_uncovered_target', keyId: keyid };
    }
    const digest = request.bodySha256 ?? emptyDigest;
    if (request.bodySha256 !== null && !covered.has('content-digest')) {
      return { ok: false, reason: 'rfc9421_uncovered_body', keyId: keyid };
    }
    if (covered.has('content-digest')) {
      if (!contentDigestMatches(single(request, 'content-digest'), digest)) {
        return { ok: false, reason: 'rfc9421_content_digest_mismatch', keyId: keyid };
      }
    }
    const q = request.url.indexOf('?');
    const message: SignedMessage = {
      method: request.method,
      scheme: request.protocol,
      authority: request.host,
      path: q === -1 ? request.url : request.url.slice(0, q),
      query: q === -1 ? '' : request.url.slice(q + 1),
      headers: request.headers,
    };
    const base = signatureBase(message, parsed);
    return {
      ok: true,
      input: {
        keyId: keyid,
        timestamp: String(created),
        nonce,
        macMatches: (secret) =>
          verifyHmacSha256(base, Buffer.from(secret, 'utf8'), parsed.signature),
      },
    };
  } catch (error) {
    if (error instanceof MessageSignatureError) return { ok: false, reason: 'rfc9421_malformed' };
    throw error;
  }
}
