import { defineErrors } from '../errors/rampart-error.js';

/** The monitor capability's error codes. */
export const monitorErrors = defineErrors({
  metrics_unauthorized: {
    status: 401,
    title: 'Metrics token required',
    description:
      'GET /metrics needs the scrape token configured in metrics.token, sent as Authorization: Bearer <token>.',
  },
});
