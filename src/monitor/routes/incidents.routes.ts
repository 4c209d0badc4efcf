import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { userActor } from '../../identity/core/request-context.js';
import type { IncidentService } from '../incidents/incident-service.js';
import {
  IncidentSchema,
  IncidentStatusSchema,
  incidentJson,
  SeveritySchema,
  TimelineEntrySchema,
  timelineJson,
} from '../incidents/schemas.js';

export interface IncidentRoutesOptions {
  incidents: IncidentService;
  auth: Authenticator;
}

const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

const IncidentWithTimeline = Type.Object(
  { ...IncidentSchema.properties, timeline: Type.Array(TimelineEntrySchema) },
  { additionalProperties: false },
);

/** Incidents: open by hand, list, read with the timeline, move forward, add notes (ADMIN). */
export const incidentRoutes: FastifyPluginAsyncTypebox<IncidentRoutesOptions> = async (
  app,
  { incidents, auth },
) => {
  const adminOnly = auth.requireRole('ADMIN');
  const security = [{ bearerAuth: [] }];

  app.post(
    '/v1/incidents',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Open an incident by hand',
        security,
        body: Type.Object(
          {
            title: Type.String({ minLength: 1, maxLength: 200 }),
            severity: SeveritySchema,
            startedAt: Type.Optional(Type.String({ format: 'date-time' })),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: IncidentSchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const b = request.body;
      const incident = await incidents.open(
        {
          title: b.title,
          severity: b.severity,
          ...(b.startedAt ? { startedAt: Date.parse(b.startedAt) } : {}),
          openedBy: principal.id,
          entries: b.note ? [{ kind: 'note', summary: b.note, actor: principal.id, data: {} }] : [],
        },
        userActor(principal.id, requestContext(request)),
      );
      return reply.code(201).send(incidentJson(incident));
    },
  );

  app.get(
    '/v1/incidents',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Incidents, newest first',
        security,
        querystring: Type.Object(
          {
            status: Type.Optional(IncidentStatusSchema),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(IncidentSchema) }) },
      },
    },
    async (request) => {
      const { status, limit } = request.query;
      const items = await incidents.list({ limit, ...(status ? { status } : {}) });
      return { items: items.map(incidentJson) };
    },
  );

  app.get(
    '/v1/incidents/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'An incident with its timeline of signals, actions, notifications and notes',
        security,
        params: IdParams,
        response: { 200: IncidentWithTimeline },
      },
    },
    async (request) => {
      const incident = await incidents.get(request.params.id);
      const timeline = await incidents.timeline(incident.id);
      return { ...incidentJson(incident), timeline: timeline.map(timelineJson) };
    },
  );

  app.post(
    '/v1/incidents/:id/status',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Move an incident forward: acknowledged, contained, resolved',
        security,
        params: IdParams,
        body: Type.Object(
          {
            status: IncidentStatusSchema,
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: IncidentSchema },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const next = await incidents.transition(
        request.params.id,
        request.body.status,
        userActor(principal.id, requestContext(request)),
        request.body.note,
      );
      return incidentJson(next);
    },
  );

  app.post(
    '/v1/incidents/:id/notes',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['monitor'],
        summary: 'Add a note to the timeline',
        security,
        params: IdParams,
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: 4000 }) },
          { additionalProperties: false },
        ),
        response: { 201: TimelineEntrySchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const entry = await incidents.addNote(
        request.params.id,
        request.body.text,
        userActor(principal.id, requestContext(request)),
      );
      return reply.code(201).send(timelineJson(entry));
    },
  );
};
