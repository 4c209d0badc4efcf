export { gcraDecide } from './core/gcra.js';
export {
  formatRateLimit,
  formatRateLimitPolicy,
  formatRetryAfter,
} from './core/rate-limit-headers.js';
export {
  compilePolicy,
  type RateLimitKeyPart,
  RateLimitPolicies,
  type RateLimitPolicy,
  type RateLimitRule,
  rateLimitKey,
} from './core/rate-limit-policy.js';
export { RateLimiter } from './core/rate-limiter.js';
export {
  type RateLimitFailMode,
  RateLimitStoreUnavailable,
  ResilientRateLimiter,
} from './core/resilient-rate-limiter.js';
export { createProtect, type Protect } from './create-protect.js';
export { protectErrors } from './errors.js';
export { default as protectPlugin, type ProtectPluginOptions } from './plugin.js';
export type { RateLimitDecision, RateLimiterStore } from './store.js';
export { MemoryRateLimiterStore } from './stores/memory-rate-limiter-store.js';
export { createRedisRateLimiterStore } from './stores/redis-rate-limiter-store.js';
