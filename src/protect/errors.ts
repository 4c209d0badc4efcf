import { defineErrors } from '../errors/rampart-error.js';

/** The protect capability's error codes: rate limits so far. */
export const protectErrors = defineErrors({
  quota_exceeded: {
    status: 429,
    title: 'Quota exceeded',
    description:
      'Too many requests for this rate-limit policy. Retry after the seconds in Retry-After; the RateLimit and RateLimit-Policy headers describe the quota.',
  },
  rate_limit_unavailable: {
    status: 503,
    title: 'Rate limiter unavailable',
    description:
      'The shared rate-limit store cannot be reached and the server is configured to refuse rather than guess (rateLimit.failMode closed). Retry later.',
  },
});
