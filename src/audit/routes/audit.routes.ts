import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import type { Authenticator } from '../../identity/authenticate.js';
import { auditAnalytics } from '../audit-analytics.js';
import { exportAuditRecords } from '../audit-export.js';
import { auditEventJson, checkpointJson, verificationJson } from '../audit-json.js';
import type { AuditTrail } from '../audit-trail.js';
import { auditErrors } from '../errors.js';
import {
  AnalyticsQuery,
  AnalyticsResponse,
  AuditEventsQuery,
  AuditEventsResponse,
  AuditExportQuery,
  CheckpointKeyResponse,
  CheckpointListResponse,
  CheckpointSchema,
  VerifyResponse,
} from '../schemas.js';
import type { AuditQuery } from '../store.js';

export interface AuditRoutesOptions {
  audit: AuditTrail;
  auth: Authenticator;
}

type Filters = Static<typeof AuditExportQuery>;

function toFilter(q: Omit<Filters, 'format'>): Omit<AuditQuery, 'order' | 'limit'> {
  const f: Omit<AuditQuery, 'order' | 'limit'> = {};
  if (q.from !== undefined) f.fromTime = Date.parse(q.from);
  if (q.to !== undefined) f.toTime = Date.parse(q.to);
  if (q.actor !== undefined) f.actorId = q.actor;
  if (q.actor_kind !== undefined) f.actorKind = q.actor_kind;
  if (q.action !== undefined) f.action = q.action;
  if (q.outcome !== undefined) f.outcome = q.outcome;
  if (q.min_risk !== undefined) f.minRisk = q.min_risk;
  if (q.target_type !== undefined) f.targetType = q.target_type;
  if (q.target_id !== undefined) f.targetId = q.target_id;
  return f;
}

// The cursor is opaque to clients: the order and the last sequence number seen.
function encodeCursor(order: 'asc' | 'desc', seq: number): string {
  return Buffer.from(`${order}:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, order: 'asc' | 'desc'): number {
  const match = /^(asc|desc):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== order) throw new RampartError(auditErrors.audit_invalid_cursor);
  return Number(match[2]);
}

// A stream is sent as is (never serialised); the schema documents the body as text.
const ExportBody = Type.Unsafe<Readable>({ type: 'string' });

const contentTypes = { jsonl: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' } as const;

export const auditRoutes: FastifyPluginAsyncTypebox<AuditRoutesOptions> = async (
  app,
  { audit, auth },
) => {
  const admin = auth.requireRole('ADMIN');

  app.get(
    '/v1/admin/audit/events',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary: 'Search the audit trail (newest first by default), with cursor pagination',
        security: [{ bearerAuth: [] }],
        querystring: AuditEventsQuery,
        response: { 200: AuditEventsResponse },
      },
    },
    async (request) => {
      const { order, limit, cursor, ...filters } = request.query;
      const records = await audit.store.query({
        ...toFilter(filters),
        order,
        limit: limit + 1,
        ...(cursor !== undefined ? { afterSeq: decodeCursor(cursor, order) } : {}),
      });
      const page = records.slice(0, limit);
      const last = page[page.length - 1];
      return {
        events: page.map(auditEventJson),
        next_cursor: records.length > limit && last ? encodeCursor(order, last.seq) : null,
      };
    },
  );

  app.get(
    '/v1/admin/audit/export',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary:
          'Stream the matching records as JSONL or CSV, ending with a signed checkpoint line',
        security: [{ bearerAuth: [] }],
        querystring: AuditExportQuery,
        response: {
          200: {
            description: 'One record per line, then the checkpoint the export was taken at.',
            content: {
              'application/x-ndjson': { schema: ExportBody },
              'text/csv': { schema: ExportBody },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { format, ...filters } = request.query;
      const checkpoint = await audit.checkpoint('export');
      const stream = Readable.from(
        exportAuditRecords(audit.store, toFilter(filters), format, checkpoint),
      );
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type(contentTypes[format])
        .header('content-disposition', `attachment; filename="rampart-audit-${day}.${format}"`)
        .send(stream);
    },
  );

  app.get(
    '/v1/admin/audit/verify',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary:
          'Verify the hash chain and signed checkpoints; ok false names the first bad sequence number',
        security: [{ bearerAuth: [] }],
        response: { 200: VerifyResponse },
      },
    },
    async () => verificationJson(await audit.verify()),
  );

  app.get(
    '/v1/admin/audit/checkpoints',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary: 'List the signed checkpoints (newest first)',
        security: [{ bearerAuth: [] }],
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: CheckpointListResponse },
      },
    },
    async (request) => {
      const all = await audit.store.listCheckpoints();
      return {
        checkpoints: all.slice(-request.query.limit).reverse().map(checkpointJson),
      };
    },
  );

  app.post(
    '/v1/admin/audit/checkpoints',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary: 'Sign a checkpoint of the chain head now',
        security: [{ bearerAuth: [] }],
        response: { 201: CheckpointSchema },
      },
    },
    async (_request, reply) => {
      await audit.flush();
      const checkpoint = await audit.checkpoint('manual');
      if (!checkpoint) throw new RampartError(auditErrors.audit_chain_empty);
      return reply.code(201).send(checkpointJson(checkpoint));
    },
  );

  app.get(
    '/v1/admin/audit/analytics',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary:
          'Failure rate, high-risk events, repeated failures, new IPs, off-hours activity and a per-actor summary',
        security: [{ bearerAuth: [] }],
        querystring: AnalyticsQuery,
        response: { 200: AnalyticsResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const toTime = q.to !== undefined ? Date.parse(q.to) : Date.now();
      const fromTime = q.from !== undefined ? Date.parse(q.from) : toTime - 86_400_000;
      const a = await auditAnalytics(audit.store, {
        fromTime,
        toTime,
        workStartHour: q.work_start,
        workEndHour: q.work_end,
        minFailures: q.min_failures,
      });
      const iso = (t: number) => new Date(t).toISOString();
      return {
        from: iso(fromTime),
        to: iso(toTime),
        total: a.total,
        failures: a.failures,
        failure_rate: a.failureRate,
        high_risk: a.highRisk.map(auditEventJson),
        repeated_failures: a.repeatedFailures.map((r) => ({
          actor_id: r.actorId,
          failures: r.failures,
          last_seen: iso(r.lastSeen),
        })),
        new_ips: a.newIps.map((r) => ({
          actor_id: r.actorId,
          ip: r.ip,
          first_seen: iso(r.firstSeen),
        })),
        off_hours: a.offHours.map(auditEventJson),
        actors: a.actors.map((r) => ({
          actor_id: r.actorId,
          events: r.events,
          failures: r.failures,
          max_risk: r.maxRisk,
          ips: r.ips,
          last_seen: iso(r.lastSeen),
        })),
      };
    },
  );

  app.get(
    '/v1/audit/checkpoints/key',
    {
      schema: {
        tags: ['audit'],
        summary: 'The Ed25519 public key that signs audit checkpoints, for offline verification',
        response: { 200: CheckpointKeyResponse },
      },
    },
    async () => ({
      algorithm: 'Ed25519' as const,
      key_id: audit.signer.keyId,
      public_key: audit.signer.publicKey,
      jwk: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: audit.signer.publicKey },
      trusted_keys: [...audit.trustedKeys],
      payload: 'UTF-8 "rampart-audit-checkpoint/v1\\n<seq>\\n<hash hex>\\n<time ms>"',
    }),
  );
};
