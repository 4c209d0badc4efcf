import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AlertRoutesOptions } from '../plugin.js';
import { ChannelBody, ChannelResponse, Delivery, IdParams } from '../schemas.js';
import { changeAuthor } from './change-author.js';
import { channelJson, deliveryJson } from './json.js';

/** Notification channels; their URLs and secrets are sealed at rest and never answered. */
export const alertChannelRoutes: FastifyPluginAsyncTypebox<AlertRoutesOptions> = async (
  app,
  { service, auth },
) => {
  const read = auth.requirePermission('alerts:read');
  const write = auth.requirePermission('alerts:write');
  const tags = ['alerts'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/alerts/channels',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'Notification channels (without their secrets)',
        response: { 200: Type.Object({ items: Type.Array(ChannelResponse) }) },
      },
    },
    async () => ({ items: (await service.channels()).map(channelJson) }),
  );

  app.get(
    '/v1/alerts/channels/:id',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'One channel',
        params: IdParams,
        response: { 200: ChannelResponse },
      },
    },
    async (request) => channelJson(await service.channel(request.params.id)),
  );

  app.post(
    '/v1/alerts/channels',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Add a channel: email, slack, webhook (signed) or alertmanager',
        body: ChannelBody,
        response: { 201: ChannelResponse },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(channelJson(await service.createChannel(request.body, changeAuthor(auth, request)))),
  );

  app.put(
    '/v1/alerts/channels/:id',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Replace a channel added through the API',
        params: IdParams,
        body: ChannelBody,
        response: { 200: ChannelResponse },
      },
    },
    async (request) =>
      channelJson(
        await service.updateChannel(request.params.id, request.body, changeAuthor(auth, request)),
      ),
  );

  app.delete(
    '/v1/alerts/channels/:id',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Remove a channel no rule uses',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await service.deleteChannel(request.params.id, changeAuthor(auth, request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/alerts/channels/:id/test',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Send a test notification now; answers with the recorded delivery',
        params: IdParams,
        response: { 200: Delivery },
      },
    },
    async (request) => deliveryJson(await service.testChannel(request.params.id)),
  );
};
