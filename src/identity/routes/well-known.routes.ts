import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SigningKeyRing } from '../core/signing-key-ring.js';

export interface WellKnownRoutesOptions {
  ring: SigningKeyRing;
  issuer: string;
  publicUrl: string;
  algorithm: string;
}

// The response schema is the allowlist: only public JWK members can ever be serialized,
// so a private component (`d`, `p`, `q`, `k`, …) cannot leak even through a bug upstream.
const PublicJwk = Type.Object({
  kty: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.Optional(Type.String()),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
  n: Type.Optional(Type.String()),
  e: Type.Optional(Type.String()),
});
const JwksResponse = Type.Object({ keys: Type.Array(PublicJwk) });

export const wellKnownRoutes: FastifyPluginAsyncTypebox<WellKnownRoutesOptions> = async (
  app,
  options,
) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['discovery'],
        summary: 'Public keys that verify Rampart access tokens (RFC 7517)',
        response: { 200: JwksResponse },
      },
    },
    async (_request, reply) => {
      // Verifiers refetch on an unknown kid, so a short cache is enough after rotation.
      reply
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*');
      reply.header('cross-origin-resource-policy', 'cross-origin');
      return options.ring.jwks();
    },
  );

  const metadata = {
    issuer: options.issuer,
    jwks_uri: `${options.publicUrl}/.well-known/jwks.json`,
    response_types_supported: [] as string[],
    grant_types_supported: [] as string[],
    token_endpoint_auth_methods_supported: ['none'],
    service_documentation: `${options.publicUrl}/docs`,
    access_token_signing_alg_values_supported: [options.algorithm],
  };

  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        tags: ['discovery'],
        summary: 'Authorization server metadata (RFC 8414)',
        response: {
          200: Type.Object({
            issuer: Type.String(),
            jwks_uri: Type.String(),
            response_types_supported: Type.Array(Type.String()),
            grant_types_supported: Type.Array(Type.String()),
            token_endpoint_auth_methods_supported: Type.Array(Type.String()),
            service_documentation: Type.String(),
            access_token_signing_alg_values_supported: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (_request, reply) => {
      reply
        .header('cache-control', 'public, max-age=3600')
        .header('access-control-allow-origin', '*');
      reply.header('cross-origin-resource-policy', 'cross-origin');
      return metadata;
    },
  );
};
