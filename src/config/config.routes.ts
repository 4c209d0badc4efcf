import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Authenticator } from '../identity/authenticate.js';
import { redactConfig } from './redact-config.js';
import type { RampartConfig } from './schema.js';

export interface ConfigRoutesOptions {
  config: RampartConfig;
  auth: Authenticator;
}

/** `GET /v1/admin/config`: the effective configuration, redacted (ADMIN). */
export const configRoutes: FastifyPluginAsyncTypebox<ConfigRoutesOptions> = async (
  app,
  { config, auth },
) => {
  // Computed once: the configuration is frozen at boot.
  const body = { config: redactConfig(config) };
  app.get(
    '/v1/admin/config',
    {
      preHandler: auth.requireRole('ADMIN'),
      schema: {
        tags: ['admin'],
        summary: 'The effective configuration, with secrets and URL passwords redacted',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object(
            {
              config: Type.Object(
                {},
                {
                  additionalProperties: true,
                  description: 'As in docs/configuration.md; secrets read [redacted].',
                },
              ),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').send(body),
  );
};
