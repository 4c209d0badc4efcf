import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRampartError, RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import { bindLogPrincipal } from '../monitor/logging/log-context.js';
import { bodyDigest } from '../shared/sign-request.js';
import { apiKeyErrors } from './api-key-errors.js';
import { apiKeyPrincipal, bearerToken, userPrincipal } from './authenticate-now.js';
import { accessCookie, assertSameOrigin, cookieOf } from './cookie-session.js';
import type { AccessTokenVerifier } from './core/access-token-verifier.js';
import type { ApiKeyService } from './core/api-key-service.js';
import type { ApiKeyVerification } from './core/api-key-verification.js';
import type { RevocationList } from './core/revocation-list.js';
import { identityErrors } from './errors.js';
import { checkMessageSignature, hasMessageSignature } from './message-signature.js';

const emptyDigest = bodyDigest(undefined);

const inactiveKey =
  'The API key is not valid: unknown, revoked, expired or past its rotation grace.';
const apiKeyReasons = {
  malformed: 'The value is not a Rampart API key.',
  bad_checksum: 'The key fails its checksum: a typo or a truncated copy.',
  // The rest get one sentence: which of them applies is for the owner's audit trail, not
  // for whoever holds the string.
  unknown: inactiveKey,
  revoked: inactiveKey,
  expired: inactiveKey,
  grace_ended: inactiveKey,
  owner_disabled: inactiveKey,
  source_denied: inactiveKey,
} as const;

export interface CredentialCheckOptions {
  verifier: AccessTokenVerifier;
  events: EventPublisher;
  revocations: RevocationList;
  apiKeys: ApiKeyService | undefined;
  /** The origin of cookie sessions; undefined: no cookie sessions. */
  publicOrigin: string | undefined;
}

export interface CredentialCheck {
  /**
   * Sets `request.principal` from the request's credential (a signed request, an API key,
   * a bearer or cookie access token), or throws its refusal after recording it.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** `known`: the verification `authenticateNow` already made in memory. */
  authenticateApiKey(
    request: FastifyRequest,
    key: string,
    known?: ApiKeyVerification,
  ): Promise<void>;
}

/**
 * The asynchronous checks of every credential, with their refusals and events: what
 * decides whenever `authenticateNow` cannot (I/O, signatures, cookies, refusals).
 */
export function createCredentialCheck(o: CredentialCheckOptions): CredentialCheck {
  const { verifier, events, revocations, apiKeys, publicOrigin } = o;

  async function reject(request: FastifyRequest, refusal: RampartError, apiKeyId?: string) {
    const isKey = refusal.code === 'invalid_api_key' || refusal.code === 'api_key_source_denied';
    const isSignature = refusal.code.startsWith('signature_');
    await events.publish({
      type:
        refusal.code === 'signature_replayed'
          ? 'signature.replayed'
          : isSignature
            ? 'signature.rejected'
            : isKey
              ? 'apikey.rejected'
              : 'auth.token.rejected',
      outcome: isKey || isSignature ? 'denied' : 'failure',
      actor: { kind: 'anonymous', ip: request.ip },
      ...(apiKeyId ? { target: { type: 'api_key', id: apiKeyId } } : {}),
      requestId: String(request.id),
      details: { reason: refusal.context?.reason ?? 'unknown' },
    });
    return refusal;
  }

  async function authenticateSigned(request: FastifyRequest): Promise<void> {
    const h = request.headers;
    const part = (name: string) => {
      const v = h[name];
      return typeof v === 'string' ? v : '';
    };
    if (!apiKeys) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.signature_invalid, { context: { reason: 'disabled' } }),
      );
    }
    if (hasMessageSignature(request)) {
      const checked = checkMessageSignature(request, Date.now());
      if (!checked.ok) {
        const code = checked.expired ? 'signature_expired' : 'signature_invalid';
        throw await reject(
          request,
          new RampartError(apiKeyErrors[code], { context: { reason: checked.reason } }),
          checked.keyId,
        );
      }
      const verified = apiKeys.verifySignedWith({ ...checked.input, ip: request.ip });
      return finishSigned(request, await verified.catch((e) => verifierFailed(request, e)));
    }
    const q = request.url.indexOf('?');
    const input = {
      keyId: part('x-key-id'),
      timestamp: part('x-timestamp'),
      nonce: part('x-nonce'),
      signature: part('x-signature'),
      method: request.method,
      path: q === -1 ? request.url : request.url.slice(0, q),
      query: q === -1 ? '' : request.url.slice(q + 1),
      // No parser ran (no body): the digest of the empty string.
      bodySha256: request.bodySha256 ?? emptyDigest,
      ip: request.ip,
    };
    const verified = apiKeys.verifySigned(input);
    return finishSigned(request, await verified.catch((e) => verifierFailed(request, e)));
  }

  /** A verifier that failed (the store, the hot store) refuses the request as unverified. */
  async function verifierFailed(request: FastifyRequest, error: unknown): Promise<never> {
    throw await reject(
      request,
      new RampartError(apiKeyErrors.signature_invalid, {
        context: { reason: 'verifier_error' },
        cause: error,
      }),
    );
  }

  async function finishSigned(
    request: FastifyRequest,
    result: Awaited<ReturnType<ApiKeyService['verifySigned']>>,
  ): Promise<void> {
    if (!result.ok) {
      const reason = result.reason;
      const error =
        reason === 'signature_invalid' ||
        reason === 'signature_expired' ||
        reason === 'signature_replayed'
          ? new RampartError(apiKeyErrors[reason], { context: { reason } })
          : reason === 'source_denied'
            ? new RampartError(apiKeyErrors.api_key_source_denied, { context: { reason } })
            : new RampartError(apiKeyErrors.invalid_api_key, {
                detail: apiKeyReasons[reason],
                context: { reason },
              });
      throw await reject(request, error, result.keyId);
    }
    request.principal = apiKeyPrincipal(result.key, true);
    bindLogPrincipal(request, request.principal);
  }

  /** `known`: the verification {@link authenticateNow} already made in memory. */
  async function authenticateApiKey(
    request: FastifyRequest,
    key: string,
    known?: ApiKeyVerification,
  ): Promise<void> {
    if (!apiKeys) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.invalid_api_key, { context: { reason: 'disabled' } }),
      );
    }
    let result: Awaited<ReturnType<ApiKeyService['verify']>>;
    try {
      result = known ?? (await apiKeys.verify(key, request.ip));
    } catch (error) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.invalid_api_key, {
          context: { reason: 'verifier_error' },
          cause: error,
        }),
      );
    }
    if (!result.ok) {
      const error =
        result.reason === 'source_denied'
          ? new RampartError(apiKeyErrors.api_key_source_denied, {
              context: { reason: result.reason },
            })
          : new RampartError(apiKeyErrors.invalid_api_key, {
              detail: apiKeyReasons[result.reason],
              context: { reason: result.reason },
              headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
            });
      throw await reject(request, error, result.keyId);
    }
    request.principal = apiKeyPrincipal(result.key, false);
    bindLogPrincipal(request, request.principal);
  }

  async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.principal) return;
    const header = request.headers.authorization;
    const apiKeyHeader = request.headers['x-api-key'];
    if (request.headers['x-signature'] !== undefined || hasMessageSignature(request)) {
      if (header !== undefined || apiKeyHeader !== undefined) {
        throw new RampartError(apiKeyErrors.ambiguous_credentials);
      }
      return authenticateSigned(request);
    }
    if (apiKeyHeader !== undefined) {
      if (header !== undefined) throw new RampartError(apiKeyErrors.ambiguous_credentials);
      return authenticateApiKey(
        request,
        typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() : '',
      );
    }
    let token: string | undefined;
    if (typeof header !== 'string' || header.length === 0) {
      // A browser session: the access token in its cookie, from this origin only.
      const fromCookie = publicOrigin === undefined ? undefined : cookieOf(request, accessCookie);
      if (fromCookie === undefined || publicOrigin === undefined) {
        throw new RampartError(identityErrors.authentication_required, {
          headers: { 'WWW-Authenticate': 'Bearer realm="rampart"' },
        });
      }
      assertSameOrigin(request, publicOrigin);
      token = fromCookie;
    } else token = bearerToken(header);
    if (!token) {
      throw new RampartError(identityErrors.invalid_token, {
        context: { reason: 'not_bearer' },
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' },
      });
    }
    if (token.startsWith('rmp_')) return authenticateApiKey(request, token);
    try {
      const claims = await verifier.verify(token);
      // A logout or a reused refresh token revokes tokens before they expire; the check
      // reads the shared hot store, so a revocation on any node holds here at once.
      if (await revocations.isRevoked(claims.jti, claims.sid)) {
        throw new RampartError(identityErrors.invalid_token, {
          context: { reason: 'revoked' },
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
      const principal = userPrincipal(claims);
      request.principal = principal;
      bindLogPrincipal(request, principal);
    } catch (error) {
      const refusal = isRampartError(error)
        ? error
        : new RampartError(identityErrors.invalid_token, {
            context: { reason: 'verifier_error' },
            cause: error,
          });
      throw await reject(request, refusal);
    }
  }

  return { authenticate, authenticateApiKey };
}
