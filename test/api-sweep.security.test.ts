import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin, type TestUser } from './support/http-helpers.js';
import { testDatabaseKinds } from './support/test-databases.js';
import { startTestRampart, type TestRampart } from './support/test-rampart.js';

/**
 * Every operation in the OpenAPI document, called as an administrator with hostile input in
 * each place it takes input: malformed and mistyped JSON, unknown and prototype-polluting
 * keys, each body field replaced by wrong types and hostile strings, and the same strings
 * in each path and query parameter (NUL bytes, undecodable percent-encodings, injection
 * payloads, 5,000 characters), and each body that fits the schema sent five times at once
 * (a create racing itself). Whatever the route, the answer is never a 5xx and every refusal
 * is problem+json with a code, the security headers and no stack trace. On SQLite, a
 * request refused before its handler (schema, JSON, media type, URL) also writes no row.
 */

/** The parts of a JSON Schema and of an OpenAPI document the sweep reads. */
interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  pattern?: string;
}
interface Operation {
  parameters?: { in: string; name: string }[];
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

const hostileStrings = [
  "' OR '1'='1",
  '1; DROP TABLE accounts;--',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell payload, as text
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '𝕏💥',
  '__proto__',
  'constructor',
  'a'.repeat(5000),
  '',
  ' ',
  '-1',
  '1e999',
  'null',
];
/** Percent-encodings put in the URL as they are. */
const rawUrlParts = ['%ff', '%', '%00', '..%2f..%2f', '%2e%2e', '%c0%af'];
const wrongTypes = [null, true, 12345, -1, 1.5, 1e308, [], [1, 'a'], {}, { $ne: null }, 'x'];
const rawBodies = [
  '{"a":',
  '[]',
  '"x"',
  '123',
  'null',
  '{"a":1}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"a":"\\u0000"}',
];
/** Refusals that happen before any handler runs: they must write nothing. */
const beforeHandler = new Set([
  'validation_failed',
  'invalid_json',
  'forbidden_json_key',
  'json_too_deep',
  'nul_character',
  'unsupported_media_type',
  'invalid_url',
  'path_segment_too_long',
  'duplicate_query_parameter',
  'ambiguous_path',
]);

let serial = 0;
const patternSamples = new Map<string, string[]>();

/** A string the schema accepts: its format, else its pattern (fast-check), within its lengths. */
function sampleString(schema: Schema): string {
  const min = schema.minLength ?? 1;
  const max = schema.maxLength ?? 40;
  serial++;
  if (schema.format === 'email') return `sweep-${serial}@example.com`;
  if (schema.format === 'uuid') return randomUUID();
  if (schema.format === 'date-time') return new Date(Date.now() + 3_600_000).toISOString();
  if (schema.format === 'uri') return 'https://example.com/x';
  if (schema.pattern !== undefined) {
    const key = `${schema.pattern} ${min} ${max}`;
    let pool = patternSamples.get(key);
    if (pool === undefined) {
      try {
        // Generated once per pattern (building the arbitrary is the slow part).
        const matching = fc
          .stringMatching(new RegExp(schema.pattern), { size: 'small' })
          .filter((v) => v.length >= min && v.length <= max);
        pool = fc.sample(matching, { numRuns: 20, seed: 7 });
      } catch {
        // A pattern fast-check cannot generate from (a lookahead): the values below fail
        // it, which still exercises the validator.
        pool = [];
      }
      patternSamples.set(key, pool);
    }
    if (pool.length > 0) return pool[serial % pool.length] as string;
  }
  return `v${serial}`.padEnd(min, 'x').slice(0, Math.max(min, max));
}

/** A value the schema accepts, as far as the sweep can tell (formats, patterns, bounds). */
function sample(schema: Schema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sample(schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0]);
  if (schema.oneOf) return sample(schema.oneOf[0]);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map(sample));
  const type = Array.isArray(schema.type)
    ? schema.type.find((t: string) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sample(schema.properties?.[name]);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      return sampleString(schema);
    default:
      return 'x';
  }
}

interface Case {
  label: string;
  method: string;
  url: string;
  payload?: string;
  contentType?: string;
  anonymous?: boolean;
  /** The only acceptable status. */
  status?: number;
  /** Sent this many times at once (a create racing itself must lose with a 4xx, not a 500). */
  race?: number;
}

/** Percent-encodes `v`; a lone surrogate, which cannot be encoded, becomes its bytes. */
function encode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? randomUUID());
}

function casesOf(doc: OpenApiDocument): Case[] {
  const cases: Case[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase();
      // A live event stream never ends; its parameters are judged by the same validator.
      if (path === '/v1/events/stream') continue;
      const parameters = op.parameters ?? [];
      // An operation that needs a credential refuses an anonymous caller with 401 whatever
      // the input: the schema is judged only for callers who may use the route.
      const secured =
        (op.security ?? []).length > 0 &&
        !(op.security ?? []).some((s) => Object.keys(s).length === 0);
      const anonymous = {
        method,
        url: fill(path, {}),
        anonymous: true,
        ...(secured ? { status: 401 } : {}),
      };
      cases.push({ label: 'anonymous', ...anonymous });
      if (op.requestBody !== undefined)
        cases.push({ label: 'anonymous, invalid body', ...anonymous, payload: '{"zzUnknown":1}' });
      if (parameters.some((p) => p.in === 'query'))
        cases.push({
          label: 'anonymous, invalid query',
          ...anonymous,
          url: `${anonymous.url}?zzUnknown=1`,
        });
      for (const p of parameters) {
        const values = [...hostileStrings.map(encode), ...rawUrlParts];
        if (p.in === 'query') values.push('99999999999999999999', '-5');
        for (const v of values) {
          const label = `${p.in} ${p.name}=${v.slice(0, 30)}`;
          if (p.in === 'path') cases.push({ label, method, url: fill(path, { [p.name]: v }) });
          if (p.in === 'query')
            cases.push({ label, method, url: `${fill(path, {})}?${p.name}=${v}` });
        }
      }
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      const url = fill(path, {});
      for (const raw of rawBodies) cases.push({ label: `raw ${raw}`, method, url, payload: raw });
      cases.push({ label: 'text/plain', method, url, payload: 'x', contentType: 'text/plain' });
      const race = JSON.stringify(sample(schema));
      cases.push({ label: 'the same body 5 times at once', method, url, payload: race, race: 5 });
      const base = sample(schema) as Record<string, unknown>;
      cases.push({
        label: 'unknown field',
        method,
        url,
        payload: JSON.stringify({ ...base, zzUnknown: 1 }),
      });
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        const values: unknown[] = [...wrongTypes];
        if (prop.type === 'string' || prop.format || prop.enum) values.push(...hostileStrings);
        if (prop.type === 'array') {
          values.push(Array.from({ length: 2000 }, () => sample(prop.items)));
          values.push(hostileStrings.slice(0, 6));
        }
        for (const v of values) {
          cases.push({
            label: `body ${name}=${JSON.stringify(v).slice(0, 30)}`,
            method,
            url,
            payload: JSON.stringify({ ...base, [name]: v }),
          });
        }
      }
    }
  }
  return cases;
}

describe.each(testDatabaseKinds())(
  'every documented operation under hostile input (%s)',
  (kind) => {
    let r: TestRampart;
    let admin: TestUser;
    let doc: OpenApiDocument;

    beforeAll(async () => {
      r = await startTestRampart({ database: kind });
      admin = await createAdmin(r, 'sweep-admin@example.com');
      doc = (await r.app.inject({ url: '/openapi.json' })).json();
      await countWrites();
    });
    afterAll(async () => r?.close());

    /**
     * Writes to the tables a request's handler owns, counted by temporary triggers on SQLite's
     * one connection (the audit trail, alert history and health history are written by
     * background jobs on their own schedule, so they are left out); undefined on PostgreSQL.
     */
    async function writesSoFar(): Promise<number | undefined> {
      if (kind !== 'sqlite') return undefined;
      const { rows } = await sql<{
        n: number;
      }>`select coalesce(sum(n), 0) as n from temp.sweep_writes`.execute(r.database.db);
      return Number(rows[0]?.n);
    }

    async function countWrites(): Promise<void> {
      if (kind !== 'sqlite') return;
      const db = r.database.db;
      await sql`create temp table sweep_writes (name text primary key, n integer not null)`.execute(
        db,
      );
      const { rows } = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(
        db,
      );
      const background =
        /^(audit_|alert_(deliveries|history|instances|outbox)$|health_history$|rampart_migration)/;
      for (const { name } of rows) {
        if (background.test(name)) continue;
        for (const op of ['insert', 'update', 'delete']) {
          await sql
            .raw(
              `create temp trigger sweep_${op}_${name} after ${op} on main.${name} begin
               insert into sweep_writes (name, n) values ('${op} ${name}', 1)
                 on conflict (name) do update set n = n + 1;
             end`,
            )
            .execute(db);
        }
      }
    }

    function problemsWith(c: Case, res: LightMyRequestResponse): string[] {
      const where = `${c.method} ${c.url.slice(0, 100)} [${c.label}] -> ${res.statusCode}`;
      if (res.statusCode >= 500) return [`${where}: ${res.body.slice(0, 200)}`];
      if (c.status !== undefined && res.statusCode !== c.status)
        return [`${where}: expected ${c.status} ${res.body.slice(0, 120)}`];
      const out: string[] = [];
      if (res.statusCode >= 400) {
        const type = String(res.headers['content-type'] ?? '');
        if (!type.startsWith('application/problem+json'))
          out.push(`${where}: not problem+json (${type})`);
        else if (typeof res.json().code !== 'string') out.push(`${where}: no code`);
        if (res.headers['x-content-type-options'] !== 'nosniff')
          out.push(`${where}: no security headers`);
      }
      if (/\bat .+\.(ts|js):\d+/.test(res.body)) out.push(`${where}: stack trace`);
      return out;
    }

    it('never answers 5xx, answers every refusal as problem+json, and writes nothing for a request refused before its handler', async () => {
      const cases = casesOf(doc);
      // Every operation is reached: a sweep that lost the document would prove nothing.
      expect(Object.keys(doc.paths).length).toBeGreaterThan(100);
      expect(cases.length).toBeGreaterThan(5000);
      const failures: string[] = [];
      const codes = new Map<string, number>();
      let admins = 0;
      const stillSignedIn = async () =>
        (await r.app.inject({ url: '/v1/me', headers: bearer(admin.token) })).statusCode === 200;
      for (const c of cases) {
        const headers: Record<string, string> = c.anonymous ? {} : bearer(admin.token);
        if (c.payload !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
        const before = await writesSoFar();
        const send = () =>
          r.app.inject({
            method: c.method as 'GET',
            url: c.url,
            headers,
            // Another address than the admin's logins: failed sign-ins here throttle only it.
            remoteAddress: '203.0.113.7',
            ...(c.payload !== undefined ? { payload: c.payload } : {}),
          });
        const answers = await Promise.all(Array.from({ length: c.race ?? 1 }, send));
        for (const answer of answers) failures.push(...problemsWith(c, answer));
        const res = answers[0] as LightMyRequestResponse;
        const code =
          res.statusCode >= 400 && failures.length === 0
            ? String(res.json().code)
            : String(res.statusCode);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (beforeHandler.has(code)) {
          const after = await writesSoFar();
          if (after !== before)
            failures.push(
              `${c.method} ${c.url} [${c.label}] -> ${code} wrote ${Number(after) - Number(before)} rows`,
            );
        }
        // Some operations end the admin's session (logout-all) or lock the account (wrong
        // current passwords): go on as a new administrator.
        if (answers.some((a) => a.statusCode === 401) && !c.anonymous && !(await stillSignedIn()))
          admin = await createAdmin(r, `sweep-admin-${++admins}@example.com`);
        // Read-only mode refuses every later write with 503: undo it at once.
        if (c.url === '/v1/admin/read-only' && res.statusCode < 300) {
          await r.app.inject({
            method: 'DELETE',
            url: '/v1/admin/read-only',
            headers: bearer(admin.token),
          });
        }
      }
      expect(failures).toEqual([]);
      // The sweep reached the validators, the JSON parser, the URL checks and the handlers.
      for (const code of [
        'validation_failed',
        'invalid_json',
        'forbidden_json_key',
        'nul_character',
        'unsupported_media_type',
        'invalid_url',
        'path_segment_too_long',
        'authentication_required',
      ])
        expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
      expect([...codes.keys()].filter((c) => c.endsWith('_not_found')).length).toBeGreaterThan(10);
      // The write counter sees the writes of the requests that were accepted.
      if (kind === 'sqlite') expect(await writesSoFar()).toBeGreaterThan(10);
    }, 300_000);
  },
);
