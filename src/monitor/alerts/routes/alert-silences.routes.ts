import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AlertRoutesOptions } from '../plugin.js';
import { IdParams, SilenceBody, SilenceResponse } from '../schemas.js';
import { changeAuthor } from './change-author.js';
import { parseTime, silenceJson } from './json.js';

/** Silences: label matchers over a time range; a silenced alert notifies nobody. */
export const alertSilenceRoutes: FastifyPluginAsyncTypebox<AlertRoutesOptions> = async (
  app,
  { service, auth },
) => {
  const read = auth.requirePermission('alerts:read');
  const write = auth.requirePermission('alerts:write');
  const tags = ['alerts'];
  const security = [{ bearerAuth: [] }];
  const inputOf = (b: {
    matchers: { label: string; op: '=' | '!=' | '=~' | '!~'; value: string }[];
    startsAt?: string;
    endsAt: string;
    comment: string;
  }) => {
    const startsAt = parseTime(b.startsAt);
    return {
      matchers: b.matchers,
      ...(startsAt === undefined ? {} : { startsAt }),
      endsAt: Date.parse(b.endsAt),
      comment: b.comment,
    };
  };

  app.get(
    '/v1/alerts/silences',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'Silences, active and not',
        response: { 200: Type.Object({ items: Type.Array(SilenceResponse) }) },
      },
    },
    async () => {
      const now = Date.now();
      return { items: (await service.silences()).map((s) => silenceJson(s, now)) };
    },
  );

  app.post(
    '/v1/alerts/silences',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Silence the alerts whose labels match, from startsAt (default now) to endsAt',
        body: SilenceBody,
        response: { 201: SilenceResponse },
      },
    },
    async (request, reply) => {
      const silence = await service.createSilence(
        inputOf(request.body),
        auth.callerOf(request).id,
        changeAuthor(auth, request),
      );
      return reply.code(201).send(silenceJson(silence, Date.now()));
    },
  );

  app.put(
    '/v1/alerts/silences/:id',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Change a silence (e.g. end it early)',
        params: IdParams,
        body: SilenceBody,
        response: { 200: SilenceResponse },
      },
    },
    async (request) =>
      silenceJson(
        await service.updateSilence(
          request.params.id,
          inputOf(request.body),
          changeAuthor(auth, request),
        ),
        Date.now(),
      ),
  );

  app.delete(
    '/v1/alerts/silences/:id',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Remove a silence',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await service.deleteSilence(request.params.id, changeAuthor(auth, request));
      return reply.code(204).send(null);
    },
  );
};
