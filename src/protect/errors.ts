import { defineErrors } from '../errors/rampart-error.js';

/** The protect capability's error codes: rate limits so far. */
export const protectErrors = defineErrors({
  quota_exceeded: {
    status: 429,
    title: 'Quota exceeded',
    description:
      'Too many requests for this rate-limit policy. Retry after the seconds in Retry-After; the RateLimit and RateLimit-Policy headers describe the quota.',
  },
  rate_limit_rule_invalid: {
    status: 400,
    title: 'Rate-limit policy invalid',
    description:
      'The policy cannot join the table: its name is taken (by the configuration or another policy), or a value is out of range.',
  },
  rate_limit_rule_not_found: {
    status: 404,
    title: 'Rate-limit policy not found',
    description:
      'No policy added through the API has this id (configured policies are changed in the configuration).',
  },
  rate_limit_unavailable: {
    status: 503,
    title: 'Rate limiter unavailable',
    description:
      'The shared rate-limit store cannot be reached and the server is configured to refuse rather than guess (rateLimit.failMode closed). Retry later.',
  },
});
