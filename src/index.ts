/**
 * The package's public surface: embed Rampart in a process, and the client-side helpers
 * for API keys, signed requests and signed alert webhooks.
 */

export { loadConfig } from './config/index.js';
export {
  type ClassificationRule,
  compileClassification,
  createRedactor,
  defaultClassification,
  redactForLog,
} from './dataprotect/index.js';
export {
  deriveGatewayIdentitySecret,
  type GatewayIdentity,
  type VerifyGatewayIdentityOptions,
  type VerifyGatewayIdentityResult,
  verifyGatewayIdentity,
} from './gateway/index.js';
export {
  signWebhookBody,
  type VerifyWebhookSignatureOptions,
  verifyWebhookSignature,
  webhookSignatureHeader,
} from './monitor/channels/webhook-signature.js';
export { createRampart, type Rampart } from './rampart.js';
export {
  type ApiKeyStringParse,
  apiKeyStringPattern,
  parseApiKeyString,
} from './shared/api-key-string.js';
export {
  canonicalRequest,
  type SignRequestInput,
  signatureHeaderNames,
  signRequest,
} from './shared/sign-request.js';
