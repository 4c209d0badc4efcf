import { AuditTrail } from '../audit/audit-trail.js';
import { deriveCheckpointSigner } from '../audit/core/checkpoint-signer.js';
import { encryptedFields } from '../dataprotect/core/encrypted-fields.js';
import { createMasterKeyRing, type MasterKeyRing } from '../dataprotect/core/master-key-ring.js';
import type { Redactor } from '../dataprotect/core/redaction.js';
import type { Sealer } from '../dataprotect/core/sealer.js';
import { DataKeyService } from '../dataprotect/data-key-service.js';
import { GdprService } from '../dataprotect/gdpr-service.js';
import type { ResolvedMasterKey } from '../dataprotect/master-key-file.js';
import { MasterKeyService } from '../dataprotect/master-key-service.js';
import { warnUnneededPreviousMasterKeys } from '../dataprotect/master-key-startup.js';
import type { Identity } from '../identity/create-identity.js';
import type { IdentityStores } from '../identity/store.js';
import { SqlAuditStore } from '../storage/sql/sql-audit-store.js';
import { SqlDataKeyStore } from '../storage/sql/sql-data-key-store.js';
import { SqlMasterKeyStore } from '../storage/sql/sql-master-key-store.js';
import { SqlPersonalDataStore } from '../storage/sql/sql-personal-data-store.js';
import type { ComposeContext } from './compose-context.js';

/**
 * The hash-chained audit trail, subscribed to every security event and started; undefined
 * when `audit.enabled` is false. Publishers wait until their event is committed (group
 * commit). Its cleanup is the first one pushed, so it runs last, after every other
 * publisher stopped.
 */
export function startAudit(
  ctx: ComposeContext,
  masterKey: ResolvedMasterKey,
  redact: Redactor,
): AuditTrail | undefined {
  const { config, database, logger } = ctx;
  const audit = config.audit.enabled
    ? new AuditTrail({
        jobs: ctx.jobs,
        store: new SqlAuditStore(database.db, database.dialect),
        signer: deriveCheckpointSigner(masterKey.key),
        // Checkpoints signed before a master key rotation verify while the previous
        // key is configured; audit.trustedKeys keeps them verifying after it is dropped.
        config: {
          ...config,
          audit: {
            ...config.audit,
            trustedKeys: [
              ...config.audit.trustedKeys,
              ...masterKey.previous.map((k) => deriveCheckpointSigner(k).publicKey),
            ],
          },
        },
        redactDetails: redact,
        onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
      })
    : undefined;
  if (audit) {
    ctx.events.subscribe('audit', (event) => audit.record(event));
    audit.start();
    ctx.cleanups.push(() => audit.close());
  }
  return audit;
}

export interface KeyRings {
  /** The master key ring alone: seals the data keys and the short-lived idempotency cache. */
  readonly masterSealer: MasterKeyRing;
  readonly dataKeys: DataKeyService;
  readonly masterKeys: MasterKeyService;
  /** The data key ring: seals every secret at rest. */
  readonly sealer: Sealer;
}

/**
 * The master key seals the data keys; the data key ring seals every secret (and still
 * opens values sealed directly by the master key before the ring existed). The previous
 * master keys keep data keys sealed before a master key rotation opening.
 */
export async function openKeyRings(
  ctx: ComposeContext,
  masterKey: ResolvedMasterKey,
): Promise<KeyRings> {
  const { config, database, hot, events, jobs, logger, cleanups } = ctx;
  const masterSealer = createMasterKeyRing(masterKey.key, masterKey.previous);
  const dataKeyStore = new SqlDataKeyStore(database.db);
  const dataKeys = await DataKeyService.open({
    store: dataKeyStore,
    fields: dataKeyStore,
    encryptedFields,
    masterSealer,
    pubsub: hot.pubsub,
    events,
    jobs,
    onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
  });
  cleanups.push(await dataKeys.follow());
  cleanups.push(() => dataKeys.stop());
  const masterKeys = new MasterKeyService({
    store: new SqlMasterKeyStore(database.db),
    fields: dataKeyStore,
    encryptedFields,
    masterKeys: masterSealer,
    dataKeys,
    events,
    idempotencyTtlMs: config.idempotency.ttl * 1000,
    jobs,
  });
  cleanups.push(() => masterKeys.stop());
  await warnUnneededPreviousMasterKeys(masterKeys, logger);
  return { masterSealer, dataKeys, masterKeys, sealer: dataKeys.sealer };
}

/** GDPR export, erasure and consents over the identity capability's stores and services. */
export function createGdpr(
  ctx: ComposeContext,
  parts: {
    stores: IdentityStores;
    identity: Identity;
    audit: AuditTrail | undefined;
    masterKey: ResolvedMasterKey;
  },
): GdprService {
  const { config, database, events } = ctx;
  const { stores, identity, audit, masterKey } = parts;
  const personalData = new SqlPersonalDataStore(database.db);
  return new GdprService({
    accounts: stores.accounts,
    accountCache: identity.accountCache,
    sessions: identity.sessions,
    apiKeys: identity.apiKeys,
    mfa: identity.mfa,
    hasher: identity.hasher,
    login: identity.login,
    consents: personalData,
    personalData,
    audit: audit?.store,
    events,
    masterKey: masterKey.key,
    consentPurposes: config.dataProtection.consentPurposes,
    reauthMaxAge: config.dataProtection.reauthMaxAge,
  });
}
