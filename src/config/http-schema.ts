import { Type } from 'typebox';

/**
 * The `cors`, `http`, `docs` and `dashboard` sections of the config schema: how the HTTP
 * server receives requests and what it serves besides the API.
 */

export const CorsConfigSchema = Type.Object(
  {
    origins: Type.Array(Type.String(), {
      default: [],
      description: 'Allowed browser origins (exact, e.g. https://app.example.com).',
    }),
    allowCredentials: Type.Boolean({
      default: true,
      description: 'Send Access-Control-Allow-Credentials for allowed origins.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const HttpConfigSchema = Type.Object(
  {
    bodyLimit: Type.Integer({
      default: 1_048_576,
      minimum: 1024,
      maximum: 104_857_600,
      description: 'Largest accepted request body in bytes (413 above).',
    }),
    maxJsonDepth: Type.Integer({
      default: 32,
      minimum: 2,
      maximum: 256,
      description: 'Deepest nesting of objects and arrays accepted in a JSON body.',
    }),
    maxHeaderSize: Type.Integer({
      default: 16_384,
      minimum: 4096,
      maximum: 65_536,
      description: 'Largest accepted request head (request line and headers) in bytes (431 above).',
    }),
    requestTimeout: Type.Integer({
      default: 30,
      minimum: 1,
      maximum: 600,
      description: 'Seconds a request may take before the connection is closed.',
    }),
    shutdownGrace: Type.Integer({
      default: 10,
      minimum: 0,
      maximum: 300,
      description:
        'Seconds to drain in-flight requests on SIGTERM (and in close()); connections still open then are closed.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const DocsConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Serve /openapi.json and the browsable /docs.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const DashboardConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Serve the web dashboard at /ui/ (built by npm run build).',
    }),
    liveHeartbeat: Type.Integer({
      default: 15,
      minimum: 1,
      maximum: 300,
      description:
        'Seconds between heartbeats on GET /v1/events/stream, under the idle timeout of proxies in between.',
    }),
  },
  { default: {}, additionalProperties: false },
);
