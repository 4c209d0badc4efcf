// @ts-check
// A Node service's own API served by Rampart, its routes behind Rampart's guards.
//
//   npm run build && node examples/orders-service.mjs
//
// The application is one encapsulated Fastify plugin (`ordersApi`). Rampart registers it in
// its server, so each of its routes gets what every Rampart route has: request ids, IP
// rules and bans, rate limits (`rateLimit.routes` in the config), security headers,
// `Idempotency-Key` on POST and PATCH, metrics, the request log and problem+json errors.
// The guards come from `app.rampartAuth`; `request.principal` is the verified caller.
import { randomUUID } from 'node:crypto';
import { createRampart, loadConfig } from 'rampart';

/**
 * The orders API: an existing Fastify plugin, unchanged but for its preHandlers.
 *
 * @param {import('fastify').FastifyInstance} app
 */
export async function ordersApi(app) {
  const auth = app.rampartAuth;
  /** @type {Map<string, { id: string, owner: string, amount: number }>} */
  const orders = new Map();

  // VIEWER and every role above it hold `*:read`, so any signed-in person may list their
  // orders; an API key needs the scope `orders:read` (or a wider one).
  app.get('/api/orders', { preHandler: auth.requirePermission('orders:read') }, async (request) => {
    // A person's account id, or an API key's owner: a key acts for whoever owns it.
    const owner = auth.callerOf(request).id;
    return { items: [...orders.values()].filter((order) => order.owner === owner) };
  });

  // `orders:write` is no built-in role's permission below ADMIN: grant it with a custom
  // role (PUT /v1/authz/roles/clerk, then PUT /v1/authz/assignments/<account id>).
  app.post(
    '/api/orders',
    {
      preHandler: auth.requirePermission('orders:write'),
      schema: {
        body: {
          type: 'object',
          required: ['amount'],
          additionalProperties: false,
          properties: { amount: { type: 'integer', minimum: 1, maximum: 1_000_000 } },
        },
      },
    },
    async (request, reply) => {
      const order = {
        id: randomUUID(),
        owner: auth.callerOf(request).id,
        amount: /** @type {{ amount: number }} */ (request.body).amount,
      };
      orders.set(order.id, order);
      return reply.code(201).send(order);
    },
  );
}

/**
 * Starts Rampart with the orders API in it.
 *
 * @param {Parameters<typeof loadConfig>[0]} [configOptions] where the configuration comes from
 *   (default: the config file and `RAMPART_*` variables, as `rampart start` reads them)
 */
export async function startOrdersService(configOptions) {
  const { config } = loadConfig(configOptions);
  const rampart = await createRampart(config, {
    register: async (app) => {
      await app.register(ordersApi);
    },
  });
  const url = await rampart.listen();
  return { rampart, url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rampart, url } = await startOrdersService();
  rampart.logger.info({ url }, 'orders service listening');
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => void rampart.close().then(() => process.exit(0)));
}
