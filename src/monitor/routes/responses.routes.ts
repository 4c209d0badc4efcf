import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { userActor } from '../../identity/core/request-context.js';
import type { ReadOnlyMode } from '../response/read-only-mode.js';
import type { ResponseEngine } from '../response/response-engine.js';
import {
  ActionStatusSchema,
  ReadOnlyStateSchema,
  ResponseActionSchema,
  readOnlyJson,
  responseActionJson,
} from '../response/schemas.js';

export interface ResponseRoutesOptions {
  responses: ResponseEngine;
  readOnly: ReadOnlyMode;
  auth: Authenticator;
}

const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

/** Automated response actions (list, revert) and read-only mode (ADMIN). */
export const responseRoutes: FastifyPluginAsyncTypebox<ResponseRoutesOptions> = async (
  app,
  { responses, readOnly, auth },
) => {
  const adminOnly = auth.requireRole('ADMIN');
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/responses',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Automated response actions, newest first',
        security,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            before: Type.Optional(Type.String({ format: 'date-time' })),
            status: Type.Optional(ActionStatusSchema),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(ResponseActionSchema) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await responses.list({
        limit: q.limit,
        ...(q.before ? { before: Date.parse(q.before) } : {}),
        ...(q.status ? { status: q.status } : {}),
      });
      return { items: items.map(responseActionJson) };
    },
  );

  app.get(
    '/v1/responses/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'One automated response action',
        security,
        params: IdParams,
        response: { 200: ResponseActionSchema },
      },
    },
    async (request) => responseActionJson(await responses.get(request.params.id)),
  );

  app.post(
    '/v1/responses/:id/revert',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary:
          'Undo an automated response action (lift the ban or lock, clear the MFA flag, end read-only mode)',
        security,
        params: IdParams,
        response: { 200: ResponseActionSchema },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      return responseActionJson(
        await responses.revert(request.params.id, userActor(principal.id, ctx)),
      );
    },
  );

  app.get(
    '/v1/admin/read-only',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Whether read-only mode is on',
        security,
        response: { 200: ReadOnlyStateSchema },
      },
    },
    async () => readOnlyJson(await readOnly.refresh()),
  );

  app.put(
    '/v1/admin/read-only',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Turn read-only mode on for every node (unsafe methods answer 503 read_only_mode)',
        security,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: ReadOnlyStateSchema },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      await readOnly.enable(request.body.reason, userActor(principal.id, requestContext(request)));
      return readOnlyJson(readOnly.state());
    },
  );

  app.delete(
    '/v1/admin/read-only',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Turn read-only mode off (the one unsafe admin route read-only mode lets through)',
        security,
        response: { 200: ReadOnlyStateSchema },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      await readOnly.disable(userActor(principal.id, requestContext(request)));
      return readOnlyJson(readOnly.state());
    },
  );
};
