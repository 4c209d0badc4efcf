import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import { dataProtectErrors } from '../errors.js';
import { type MasterKeyService, masterRotationStaleMs } from '../master-key-service.js';
import type { MasterKeyStatus } from '../master-key-status.js';
import { startRotation } from './start-rotation.js';

export interface MasterKeyRoutesOptions {
  masterKeys: MasterKeyService;
  auth: Authenticator;
  logger: Logger;
}

const Iso = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

// Fingerprints only: a master key never leaves the server, not even hashed in full.
const MasterKeysResponse = Type.Object({
  current: Type.String({ description: 'Fingerprint of masterKey' }),
  data_keys: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.Union([
        Type.Literal('primary'),
        Type.Literal('active'),
        Type.Literal('retired'),
      ]),
      sealed_by: Nullable(Type.String()),
    }),
  ),
  legacy_values: Type.Record(Type.String(), Type.Integer()),
  previous: Type.Array(
    Type.Object({
      fingerprint: Type.String(),
      data_keys: Type.Integer(),
      legacy_values: Type.Integer(),
      cached_responses_until: Nullable(Iso),
      needed: Type.Boolean(),
    }),
  ),
  unknown: Type.Object({ data_keys: Type.Integer(), legacy_values: Type.Integer() }),
  rotation: Type.Union([
    Type.Object({
      id: Type.String(),
      status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
      to: Type.String(),
      from: Type.Array(Type.String()),
      total: Type.Integer(),
      done: Type.Integer(),
      started_at: Iso,
      heartbeat_at: Iso,
      finished_at: Nullable(Iso),
    }),
    Type.Null(),
  ]),
});

const iso = (ms: number) => new Date(ms).toISOString();

export function masterKeyStatusJson(s: MasterKeyStatus) {
  const r = s.rotation;
  return {
    current: s.current,
    data_keys: s.dataKeys.map((k) => ({ id: k.id, status: k.status, sealed_by: k.sealedBy })),
    legacy_values: s.legacyValues,
    previous: s.previous.map((p) => ({
      fingerprint: p.fingerprint,
      data_keys: p.dataKeys,
      legacy_values: p.legacyValues,
      cached_responses_until: p.cachedResponsesUntil === null ? null : iso(p.cachedResponsesUntil),
      needed: p.needed,
    })),
    unknown: { data_keys: s.unknown.dataKeys, legacy_values: s.unknown.legacyValues },
    rotation: r
      ? {
          id: r.id,
          status: r.status,
          to: r.toKeyId,
          from: r.fromKeyIds,
          total: r.total,
          done: Math.min(r.doneCount, r.total),
          started_at: iso(r.startedAt),
          heartbeat_at: iso(r.heartbeatAt),
          finished_at: r.finishedAt === null ? null : iso(r.finishedAt),
        }
      : null,
  };
}

/** Admin API over the master keys: which one seals each data key, and a rotation. */
export const masterKeyRoutes: FastifyPluginAsyncTypebox<MasterKeyRoutesOptions> = async (
  app,
  { masterKeys, auth, logger },
) => {
  const admin = auth.requireRole('ADMIN');
  const status = async () => masterKeyStatusJson(await masterKeys.status());

  app.get(
    '/v1/admin/keys/master',
    {
      preHandler: admin,
      schema: {
        tags: ['dataprotect'],
        summary:
          'Which master key (by fingerprint) seals each data key, and whether each previous master key is still needed',
        security: [{ bearerAuth: [] }],
        response: { 200: MasterKeysResponse },
      },
    },
    status,
  );

  app.post(
    '/v1/admin/keys/master/rotate',
    {
      // In production, a recent MFA login too (step-up), listed or not.
      config: { sensitive: true },
      preHandler: admin,
      schema: {
        tags: ['dataprotect'],
        summary:
          'Re-seal every data key under the current master key in the background (resumes a stalled rotation)',
        security: [{ bearerAuth: [] }],
        response: { 202: MasterKeysResponse },
      },
    },
    async (request, reply) => {
      await startRotation(masterKeys, request, {
        auth,
        logger,
        staleMs: masterRotationStaleMs,
        running: dataProtectErrors.master_key_rotation_running,
        what: 'master key',
      });
      reply.code(202);
      return status();
    },
  );
};
