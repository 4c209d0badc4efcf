import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Authorizer } from '../../authz/authorizer.js';
import { RampartError } from '../../errors/rampart-error.js';
import { httpErrors } from '../../http/errors.js';
import { rememberBodyDigest } from '../../http/json-body-parser.js';
import type { Authenticator } from '../authenticate.js';
import type { AccessTokenVerifier } from '../core/access-token-verifier.js';
import type { ApiKeyService } from '../core/api-key-service.js';
import { anyCovers, permissionsOfRoles } from '../core/permissions.js';
import type { RevocationList } from '../core/revocation-list.js';

const IntrospectBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 8192 }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const IntrospectResponse = Type.Object(
  {
    active: Type.Boolean(),
    token_type: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    client_id: Type.Optional(Type.String()),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    nbf: Type.Optional(Type.Integer()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.String()),
    jti: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
    roles: Type.Optional(Type.Array(Type.String())),
    amr: Type.Optional(Type.Array(Type.String())),
    auth_time: Type.Optional(Type.Integer()),
    owner_kind: Type.Optional(Type.String()),
    allowed_cidrs: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export interface IntrospectionRoutesOptions {
  auth: Authenticator;
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  apiKeys: ApiKeyService;
  issuer: string;
  /**
   * The authorization policy: `roles` and `scope` of an access token are the account's
   * effective roles now — those in the token plus those assigned through the policy.
   */
  authorizer?: Pick<Authorizer, 'rolesOf' | 'permissionsOf'> | undefined;
}

const formBodyLimit = 16 * 1024;

/**
 * Token introspection (RFC 7662) for services that do not verify tokens themselves. The
 * caller must be authenticated and hold `tokens:introspect`; anything not currently valid
 * is `{"active": false}` with no reason, as the RFC requires.
 */
export const introspectionRoutes: FastifyPluginAsyncTypebox<IntrospectionRoutesOptions> = async (
  app,
  { auth, verifier, revocations, apiKeys, issuer, authorizer },
) => {
  // RFC 7662 §2.1 requests are application/x-www-form-urlencoded; JSON is accepted too.
  // Node's URLSearchParams is the parser; this plugin scope is the only place forms arrive.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: formBodyLimit },
    (request, body, done) => {
      rememberBodyDigest(request, body as Buffer);
      const params = new URLSearchParams((body as Buffer).toString('utf8'));
      const out: Record<string, string> = {};
      for (const [k, v] of params) {
        if (k in out) {
          done(
            new RampartError(httpErrors.bad_request, { detail: `Parameter ${k} is repeated.` }),
            undefined,
          );
          return;
        }
        out[k] = v;
      }
      done(null, out);
    },
  );

  app.post(
    '/v1/auth/introspect',
    {
      preHandler: auth.requirePermission('tokens:introspect'),
      schema: {
        tags: ['auth'],
        summary: 'Introspect an access token or API key (RFC 7662)',
        security: [{ bearerAuth: [] }],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: IntrospectBody,
        response: { 200: IntrospectResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { token } = request.body;
      if (token.startsWith('rmp_')) {
        const result = await apiKeys.verify(token);
        if (!result.ok) return { active: false };
        const k = result.key;
        // What the key may do now: its scopes, less what its owner no longer holds.
        const allowed = k.scopes.filter((s) => anyCovers(k.ownerPermissions, s));
        return {
          active: true,
          token_type: 'api_key',
          sub: k.owner.id,
          owner_kind: k.owner.kind,
          client_id: k.keyId,
          scope: allowed.join(' '),
          iat: Math.floor(k.createdAt / 1000),
          ...(k.expiresAt === null ? {} : { exp: Math.floor(k.expiresAt / 1000) }),
          iss: issuer,
          allowed_cidrs: [...k.allowedCidrs],
        };
      }
      try {
        const claims = await verifier.verify(token);
        if (await revocations.isRevoked(claims.jti, claims.sid)) return { active: false };
        return {
          active: true,
          token_type: 'access_token',
          sub: claims.sub,
          // Assigned roles are not in the token (see README, "Roles in tokens"): they are
          // read from the policy in force, so a withdrawn assignment shows at once.
          scope: (authorizer
            ? authorizer.permissionsOf(claims.sub, claims.roles)
            : permissionsOfRoles(claims.roles)
          ).join(' '),
          roles: authorizer ? [...authorizer.rolesOf(claims.sub, claims.roles)] : claims.roles,
          exp: claims.exp,
          iat: claims.iat,
          nbf: claims.nbf,
          iss: claims.iss,
          aud: claims.aud,
          jti: claims.jti,
          ...(claims.sid ? { sid: claims.sid } : {}),
          ...(claims.amr ? { amr: claims.amr } : {}),
          ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
        };
      } catch {
        return { active: false };
      }
    },
  );

  app.get(
    '/v1/auth/whoami',
    {
      preHandler: auth.requireCaller,
      schema: {
        tags: ['auth'],
        summary: 'The caller: a person (access token) or an API key',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object(
            {
              kind: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
              id: Type.String(),
              ownerKind: Type.Optional(Type.String()),
              keyId: Type.Optional(Type.String()),
              roles: Type.Array(Type.String()),
              scopes: Type.Optional(Type.Array(Type.String())),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (request) => {
      const p = auth.callerOf(request);
      // Effective roles: the token's (or the key owner's) plus those assigned in the policy.
      const roles = [...(authorizer ? authorizer.rolesOf(p.id, p.roles) : p.roles)];
      if (p.kind === 'user') return { kind: p.kind, id: p.id, roles };
      return {
        kind: p.kind,
        id: p.id,
        ownerKind: p.ownerKind,
        keyId: p.keyId,
        roles,
        scopes: [...p.scopes],
      };
    },
  );
};
