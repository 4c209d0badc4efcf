import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from './problem-schema.js';

export interface OpenApiOptions {
  publicUrl: string;
  version: string;
  /** Serve /openapi.json and /docs. */
  expose: boolean;
}

/**
 * OpenAPI 3.1 generated from the route schemas. Every route also documents the
 * problem+json error response. Must be registered before any route.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  options: OpenApiOptions,
): Promise<void> {
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    route.schema ??= {};
    route.schema.response ??= {};
    const response = route.schema.response as Record<string, unknown>;
    response['4XX'] ??= { ...ProblemSchema, description: 'Problem (application/problem+json)' };
    response['5XX'] ??= { ...ProblemSchema, description: 'Problem (application/problem+json)' };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rampart',
        version: options.version,
        description:
          'Identity, authorization, abuse protection, audit and monitoring for HTTP APIs.',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  if (!options.expose) return;
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { deepLinking: false },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => {
    return reply.header('cache-control', 'no-cache').send(app.swagger());
  });
}
