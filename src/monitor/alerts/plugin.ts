import type { FastifyPluginAsync } from 'fastify';
import type { Authenticator } from '../../identity/authenticate.js';
import type { AlertService } from './alert-service.js';
import { alertChannelRoutes } from './routes/alert-channels.routes.js';
import { alertRuleRoutes } from './routes/alert-rules.routes.js';
import { alertSilenceRoutes } from './routes/alert-silences.routes.js';
import { alertRoutes } from './routes/alerts.routes.js';

export interface AlertRoutesOptions {
  service: AlertService;
  auth: Authenticator;
}

/**
 * The alert API: /v1/alerts (active), /history, /deliveries, /rules, /channels (with
 * /test) and /silences. Reads need `alerts:read`, changes `alerts:write`.
 */
export const alertsPlugin: FastifyPluginAsync<AlertRoutesOptions> = async (app, options) => {
  await app.register(alertRoutes, options);
  await app.register(alertRuleRoutes, options);
  await app.register(alertChannelRoutes, options);
  await app.register(alertSilenceRoutes, options);
};
