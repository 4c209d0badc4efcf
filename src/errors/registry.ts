import { auditErrors } from '../audit/errors.js';
import { authzErrors } from '../authz/errors.js';
import { dataProtectErrors } from '../dataprotect/errors.js';
import { gatewayErrors } from '../gateway/errors.js';
import { httpErrors } from '../http/errors.js';
import { apiKeyErrors } from '../identity/api-key-errors.js';
import { identityErrors } from '../identity/errors.js';
import { oauthErrors } from '../identity/oauth/errors.js';
import { alertErrors, monitorErrors } from '../monitor/errors.js';
import { responseErrors } from '../monitor/response/errors.js';
import { accessErrors } from '../protect/access-errors.js';
import { protectErrors } from '../protect/errors.js';
import { idempotencyErrors } from '../protect/idempotency.js';
import { storageErrors } from '../storage/errors.js';
import type { ErrorDefinition } from './rampart-error.js';

/**
 * Every error code Rampart can answer with, from every capability's catalogue. Building
 * it fails at import if two catalogues claim one code: codes are unique forever.
 */
function collect(
  ...catalogues: Readonly<Record<string, ErrorDefinition>>[]
): ReadonlyMap<string, ErrorDefinition> {
  const all = new Map<string, ErrorDefinition>();
  for (const catalogue of catalogues) {
    for (const def of Object.values(catalogue)) {
      if (all.has(def.code)) throw new Error(`error code ${def.code} is defined twice`);
      all.set(def.code, def);
    }
  }
  return all;
}

export const errorRegistry: ReadonlyMap<string, ErrorDefinition> = collect(
  httpErrors,
  storageErrors,
  identityErrors,
  apiKeyErrors,
  accessErrors,
  idempotencyErrors,
  protectErrors,
  gatewayErrors,
  auditErrors,
  monitorErrors,
  responseErrors,
  alertErrors,
  authzErrors,
  oauthErrors,
  dataProtectErrors,
);
