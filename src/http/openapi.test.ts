import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  parameters?: { in: string; name: string; schema: object }[];
  security?: unknown[];
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

describe('the OpenAPI document', () => {
  let r: TestRampart;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    r = await startTestRampart();
    const res = await r.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json<OpenApiDocument>();
  });
  afterAll(async () => r?.close());

  function operations(): [string, string, Operation][] {
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => methods.includes(m))
        .map(([m, op]) => [path, m, op] as [string, string, Operation]),
    );
  }

  it('is OpenAPI 3.1 with a title, a version and the public URL as server', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('Rampart');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.servers).toEqual([{ url: r.config.publicUrl }]);
  });

  it('lists the identity, discovery and health operations', () => {
    const listed = operations().map(([path, m]) => `${m.toUpperCase()} ${path}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /v1/auth/register',
        'POST /v1/auth/login',
        'POST /v1/auth/bootstrap',
        'GET /v1/me',
        'POST /v1/invites',
        'GET /v1/invites',
        'DELETE /v1/invites/{id}',
        'POST /v1/admin/signing-keys/rotate',
        'GET /.well-known/jwks.json',
        'GET /.well-known/oauth-authorization-server',
        'GET /health',
        'GET /health/ready',
      ]),
    );
  });

  it('hides internal routes: the docs themselves, /openapi.json, /problems and CORS', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.some((p) => p.startsWith('/docs'))).toBe(false);
    expect(paths).not.toContain('/openapi.json');
    expect(paths.some((p) => p.startsWith('/problems'))).toBe(false);
    expect(paths).not.toContain('/*');
  });

  it('declares the request body schema of every JSON write, refusing unknown fields', () => {
    for (const path of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/bootstrap']) {
      const schema = doc.paths[path]?.post?.requestBody?.content['application/json']?.schema as {
        required?: string[];
        additionalProperties?: boolean;
      };
      expect(schema, path).toBeDefined();
      expect(schema.required, path).toEqual(expect.arrayContaining(['email', 'password']));
      expect(schema.additionalProperties, path).toBe(false);
    }
  });

  it('refuses unknown fields in every JSON request body, at every level of it', () => {
    // A field no schema names is refused (validation_failed), never passed on to a handler
    // that might spread the body into a store. A map (additionalProperties: a schema) names
    // what its values may be; `true` or nothing lets anything through.
    const open: string[] = [];
    const walk = (schema: unknown, where: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s.type === 'object' || s.properties !== undefined) {
        const extra = s.additionalProperties;
        if (extra === undefined || extra === true) open.push(where);
        else walk(extra, `${where}{*}`);
      }
      for (const [name, child] of Object.entries((s.properties as object | undefined) ?? {}))
        walk(child, `${where}.${name}`);
      for (const key of ['anyOf', 'oneOf', 'allOf'])
        for (const [i, child] of ((s[key] as unknown[] | undefined) ?? []).entries())
          walk(child, `${where}|${i}`);
      if (s.items !== undefined) walk(s.items, `${where}[]`);
    };
    let bodies = 0;
    for (const [path, method, op] of operations()) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (schema === undefined) continue;
      bodies++;
      walk(schema, `${method.toUpperCase()} ${path}`);
    }
    expect(bodies).toBeGreaterThan(20);
    expect(open).toEqual([]);
  });

  it('declares a success response schema and the problem schema on every operation', () => {
    for (const [path, method, op] of operations()) {
      const codes = Object.keys(op.responses);
      const where = `${method} ${path}`;
      expect(codes, where).toEqual(expect.arrayContaining(['4XX', '5XX']));
      // A redirect (social login start and callback) succeeds with a Location, no body.
      const success = codes.find((c) => /^2\d\d$/.test(c) || c === '302');
      expect(success, where).toBeDefined();
      if (success !== '204' && success !== '302') {
        const content = op.responses[success ?? '']?.content ?? {};
        expect(Object.values(content)[0]?.schema, where).toBeDefined();
      }
      const problem = op.responses['4XX']?.content?.['application/problem+json']?.schema as {
        required?: string[];
      };
      expect(problem.required, where).toEqual(
        expect.arrayContaining(['type', 'title', 'status', 'code', 'requestId']),
      );
    }
  });

  it('documents health reports as application/health+json, also for a failing 503', () => {
    const ready = doc.paths['/health/ready']?.get?.responses;
    for (const code of ['200', '503'])
      expect(ready?.[code]?.content?.['application/health+json']?.schema, code).toMatchObject({
        required: expect.arrayContaining(['status', 'checks']),
      });
  });

  it('names the login response fields of RFC 6749', () => {
    const schema = doc.paths['/v1/auth/login']?.post?.responses['200']?.content?.[
      'application/json'
    ]?.schema as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'session_id',
      'token_type',
    ]);
  });

  it('marks the operations that need a token with the bearer scheme', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ scheme: 'bearer' });
    expect(doc.paths['/v1/me']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/auth/login']?.post?.security).toBeUndefined();
  });

  it('declares each path parameter', () => {
    for (const [path, method, op] of operations()) {
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const declared = op.parameters?.some((p) => p.in === 'path' && p.name === name);
        expect(declared, `${method} ${path} {${name}}`).toBe(true);
      }
    }
  });

  it('contains only schemas a JSON Schema 2020-12 validator compiles', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    let compiled = 0;
    for (const [, , op] of operations()) {
      const schemas = [
        ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
        ...Object.values(op.responses).flatMap((res) =>
          Object.values(res.content ?? {}).map((c) => c.schema),
        ),
        ...(op.parameters ?? []).map((p) => p.schema),
      ];
      for (const schema of schemas) {
        expect(() => ajv.compile(schema)).not.toThrow();
        compiled++;
      }
    }
    expect(compiled).toBeGreaterThan(20);
  });
});

describe('the API docs page', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('serves HTML at /docs', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
  });
});

describe('with docs disabled', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { docs: { enabled: false } } });
  });
  afterAll(async () => r?.close());

  it('answers /openapi.json and /docs with 404', async () => {
    for (const url of ['/openapi.json', '/docs']) {
      const res = await r.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
  });
});
