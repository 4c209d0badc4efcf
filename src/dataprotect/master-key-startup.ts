import type { Logger } from 'pino';
import type { MasterKeyService } from './master-key-service.js';

/**
 * At start-up: a previous master key nothing needs any more is a key that can still open
 * whatever it once sealed, kept for no reason. Say so (by fingerprint) on every start
 * until it is dropped from `masterKeyPrevious`.
 */
export async function warnUnneededPreviousMasterKeys(
  masterKeys: MasterKeyService,
  logger: Logger,
): Promise<void> {
  // No rotation in progress: nothing to count (the counts scan every sealed column).
  if (!masterKeys.rotationConfigured) return;
  const status = await masterKeys.status();
  for (const previous of status.previous) {
    if (previous.needed) continue;
    logger.warn(
      { code: 'master_key_previous_unneeded', fingerprint: previous.fingerprint },
      'a previous master key (masterKeyPrevious) seals nothing any more: remove it from the configuration',
    );
  }
  for (const previous of status.previous.filter((p) => p.needed)) {
    logger.info(
      {
        fingerprint: previous.fingerprint,
        dataKeys: previous.dataKeys,
        legacyValues: previous.legacyValues,
      },
      'a master key rotation is in progress: run rampart keys rotate-master, then drop the previous key once rampart keys master-status says so',
    );
  }
}
