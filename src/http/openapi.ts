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
    // Documented under its real media type; error responses are written by the error
    // handler as text, so this schema never serializes anything.
    const problem = {
      description: 'Problem details (RFC 9457)',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
    response['4XX'] ??= problem;
    response['5XX'] ??= problem;
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
    // swagger-ui's hash-based policy, minus what a security console must not allow: being
    // framed (browsers honour frame-ancestors over X-Frame-Options) and calls to
    // validator.swagger.io, which would send the API description to a third party.
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(/frame-ancestors[^;]*/, "frame-ancestors 'none'")
        .replace(/\s*validator\.swagger\.io/, ''),
    uiConfig: { deepLinking: false, validatorUrl: null },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => {
    return reply.header('cache-control', 'no-cache').send(app.swagger());
  });
}
