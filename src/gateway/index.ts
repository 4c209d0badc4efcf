export { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
export { type CreateGatewayOptions, createGateway, type Gateway } from './create-gateway.js';
export { gatewayErrors } from './errors.js';
export type { GatewayRouteStats } from './gateway-stats.js';
export {
  deriveGatewayIdentitySecret,
  type GatewayIdentity,
  identityHeaders,
} from './identity-signature.js';
export { type GatewayPluginOptions, gatewayPlugin } from './plugin.js';
export {
  type IncomingHeaders,
  type VerifyGatewayIdentityOptions,
  type VerifyGatewayIdentityResult,
  verifyGatewayIdentity,
} from './verify-identity.js';
