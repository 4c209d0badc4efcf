import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AlertRoutesOptions } from '../plugin.js';
import { IdParams, RuleBody, RuleResponse } from '../schemas.js';
import { changeAuthor } from './change-author.js';
import { ruleJson } from './json.js';

/** Alert rules: the config file's (read-only) and the API's. */
export const alertRuleRoutes: FastifyPluginAsyncTypebox<AlertRoutesOptions> = async (
  app,
  { service, auth },
) => {
  const read = auth.requirePermission('alerts:read');
  const write = auth.requirePermission('alerts:write');
  const tags = ['alerts'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/alerts/rules',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'Alert rules from the config file and the API',
        response: { 200: Type.Object({ items: Type.Array(RuleResponse) }) },
      },
    },
    async () => ({ items: (await service.rules()).map(ruleJson) }),
  );

  app.get(
    '/v1/alerts/rules/:id',
    {
      preHandler: read,
      schema: {
        tags,
        security,
        summary: 'One alert rule',
        params: IdParams,
        response: { 200: RuleResponse },
      },
    },
    async (request) => ruleJson(await service.rule(request.params.id)),
  );

  app.post(
    '/v1/alerts/rules',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Add an alert rule over a metric or detector signals',
        body: RuleBody,
        response: { 201: RuleResponse },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(ruleJson(await service.createRule(request.body, changeAuthor(auth, request)))),
  );

  app.put(
    '/v1/alerts/rules/:id',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Replace an alert rule added through the API',
        params: IdParams,
        body: RuleBody,
        response: { 200: RuleResponse },
      },
    },
    async (request) =>
      ruleJson(
        await service.updateRule(request.params.id, request.body, changeAuthor(auth, request)),
      ),
  );

  app.delete(
    '/v1/alerts/rules/:id',
    {
      preHandler: write,
      schema: {
        tags,
        security,
        summary: 'Remove an alert rule added through the API',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await service.deleteRule(request.params.id, changeAuthor(auth, request));
      return reply.code(204).send(null);
    },
  );
};
