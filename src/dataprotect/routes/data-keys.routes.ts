import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import { rotationStaleMs } from '../data-key-rotation.js';
import type { DataKeyService } from '../data-key-service.js';
import { dataProtectErrors } from '../errors.js';
import type { DataKeyRotation } from '../store.js';
import { startRotation } from './start-rotation.js';

export interface DataKeyRoutesOptions {
  dataKeys: DataKeyService;
  auth: Authenticator;
  logger: Logger;
}

const Iso = Type.String({ format: 'date-time' });

const RotationSchema = Type.Object({
  id: Type.String(),
  key_id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  total: Type.Integer(),
  done: Type.Integer(),
  started_at: Iso,
  heartbeat_at: Iso,
  finished_at: Type.Union([Iso, Type.Null()]),
  retired_keys: Type.Array(Type.String()),
});

const DataKeysResponse = Type.Object({
  primary_key_id: Type.String(),
  keys: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.Union([
        Type.Literal('primary'),
        Type.Literal('active'),
        Type.Literal('retired'),
      ]),
      created_at: Iso,
      retired_at: Type.Union([Iso, Type.Null()]),
    }),
  ),
  rotation: Type.Union([RotationSchema, Type.Null()]),
});

const iso = (ms: number) => new Date(ms).toISOString();

function rotationJson(r: DataKeyRotation | undefined) {
  if (!r) return null;
  return {
    id: r.id,
    key_id: r.keyId,
    status: r.status,
    total: r.total,
    done: Math.min(r.doneCount, r.total),
    started_at: iso(r.startedAt),
    heartbeat_at: iso(r.heartbeatAt),
    finished_at: r.finishedAt === null ? null : iso(r.finishedAt),
    retired_keys: r.retiredKeys,
  };
}

/** Admin API over the data key ring: status, and a rotation that runs in the background. */
export const dataKeyRoutes: FastifyPluginAsyncTypebox<DataKeyRoutesOptions> = async (
  app,
  { dataKeys, auth, logger },
) => {
  const admin = auth.requireRole('ADMIN');
  const status = async () => {
    await dataKeys.reload();
    return {
      primary_key_id: dataKeys.primaryKeyId,
      keys: dataKeys.keys.map((k) => ({
        id: k.id,
        status: k.status,
        created_at: iso(k.createdAt),
        retired_at: k.retiredAt === null ? null : iso(k.retiredAt),
      })),
      rotation: rotationJson(await dataKeys.latestRotation()),
    };
  };

  app.get(
    '/v1/admin/keys/data',
    {
      preHandler: admin,
      schema: {
        tags: ['dataprotect'],
        summary: 'The data key ring and the latest rotation',
        security: [{ bearerAuth: [] }],
        response: { 200: DataKeysResponse },
      },
    },
    status,
  );

  app.post(
    '/v1/admin/keys/data/rotate',
    {
      // In production, a recent MFA login too (step-up), listed or not.
      config: { sensitive: true },
      preHandler: admin,
      schema: {
        tags: ['dataprotect'],
        summary:
          'Make a new primary data key and re-encrypt every sealed field in the background (resumes a stalled rotation)',
        security: [{ bearerAuth: [] }],
        response: { 202: DataKeysResponse },
      },
    },
    async (request, reply) => {
      await startRotation(dataKeys, request, {
        auth,
        logger,
        staleMs: rotationStaleMs,
        running: dataProtectErrors.data_key_rotation_running,
        what: 'data key',
      });
      reply.code(202);
      return status();
    },
  );
};
