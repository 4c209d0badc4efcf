// The breaker lives with the other resilience helpers (retry, timeout, fallback); the
// gateway keeps importing it from here.
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from '../monitor/resilience.js';
