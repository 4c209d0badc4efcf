import { defineErrors } from '../errors/rampart-error.js';

/** The gateway's error codes: what a proxied request can fail with besides auth and limits. */
export const gatewayErrors = defineErrors({
  upstream_timeout: {
    status: 504,
    title: 'Upstream timeout',
    description:
      'The API behind the gateway did not answer within gateway.timeout seconds. The request may or may not have been processed; retry only if it is safe to repeat.',
  },
  upstream_unavailable: {
    status: 502,
    title: 'Upstream unavailable',
    description:
      'The gateway could not reach the API behind it (connection refused, reset or closed). Retry later.',
  },
  upstream_circuit_open: {
    status: 503,
    title: 'Upstream circuit open',
    description:
      'The API behind the gateway failed repeatedly, so the gateway stops calling it for a while. Retry after the seconds in Retry-After.',
  },
  request_override_refused: {
    status: 400,
    title: 'Request override refused',
    description:
      'The request carries a header that asks the API behind the gateway to treat it as another method or path (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override, X-Original-URL, X-Rewrite-URL). The gateway authorizes the method and path as sent, so it refuses them: send the real method and path.',
  },
  api_key_required: {
    status: 401,
    title: 'API key required',
    description:
      'This route is called with an API key (X-API-Key or Bearer rmp_…), not a user token.',
  },
});
