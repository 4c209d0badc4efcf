import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AlertRoutesOptions } from '../plugin.js';
import { ActiveAlert, DeliveriesQuery, Delivery, HistoryEntry, HistoryQuery } from '../schemas.js';
import { decodeCursor, deliveryJson, encodeCursor, parseTime } from './json.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Active alerts, the alert history and the delivery log. */
export const alertRoutes: FastifyPluginAsyncTypebox<AlertRoutesOptions> = async (
  app,
  { service, auth },
) => {
  const read = auth.requirePermission('alerts:read');
  const tags = ['alerts'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/alerts',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'Alerts now pending or firing',
        response: { 200: Type.Object({ items: Type.Array(ActiveAlert) }) },
      },
    },
    async () => ({
      items: (await service.active()).map((a) => ({
        fingerprint: a.fingerprint,
        ruleId: a.ruleId,
        ruleName: a.ruleName,
        severity: a.severity,
        state: a.state as 'pending' | 'firing',
        labels: { ...a.labels },
        value: a.value,
        activeSince: iso(a.activeSince),
        firedAt: iso(a.firedAt),
        notified: a.notified,
      })),
    }),
  );

  app.get(
    '/v1/alerts/history',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'Alert transitions (pending, firing, resolved), newest first, with a cursor',
        querystring: HistoryQuery,
        response: {
          200: Type.Object({
            items: Type.Array(HistoryEntry),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const since = parseTime(q.since);
      const until = parseTime(q.until);
      const entries = await service.history({
        ...(q.ruleId !== undefined ? { ruleId: q.ruleId } : {}),
        ...(q.fingerprint !== undefined ? { fingerprint: q.fingerprint } : {}),
        ...(q.state !== undefined ? { state: q.state } : {}),
        ...(q.severity !== undefined ? { severity: q.severity } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(q.cursor !== undefined ? { beforeId: decodeCursor(q.cursor) } : {}),
        limit: q.limit + 1,
      });
      const page = entries.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((e) => ({
          ...e,
          labels: { ...e.labels },
          time: new Date(e.time).toISOString(),
        })),
        next_cursor: entries.length > q.limit && last ? encodeCursor(last.id) : null,
      };
    },
  );

  app.get(
    '/v1/alerts/deliveries',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'Channel deliveries and their outcomes, newest first, with a cursor',
        querystring: DeliveriesQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Delivery),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const records = await service.deliveries({
        ...(q.channel !== undefined ? { channel: q.channel } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
        ...(q.fingerprint !== undefined ? { fingerprint: q.fingerprint } : {}),
        ...(q.cursor !== undefined ? { beforeId: decodeCursor(q.cursor) } : {}),
        limit: q.limit + 1,
      });
      const page = records.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(deliveryJson),
        next_cursor: records.length > q.limit && last ? encodeCursor(last.id) : null,
      };
    },
  );
};
