/** Ports the dataprotect capability needs. Adapter: src/storage/sql (SQLite, PostgreSQL). */

export type DataKeyStatus = 'primary' | 'active' | 'retired';

export interface StoredDataKey {
  id: string;
  /** The key sealed by the master-key sealer (AD `data_key:<id>`). */
  keySealed: string;
  status: DataKeyStatus;
  createdAt: number;
  retiredAt: number | null;
}

/** Per encrypted field: the last row id re-encrypted and whether the field is finished. */
export type RotationProgress = Record<string, { after: string; done: boolean }>;

export interface DataKeyRotation {
  id: string;
  keyId: string;
  status: 'running' | 'done';
  progress: RotationProgress;
  total: number;
  doneCount: number;
  startedBy: string | null;
  startedAt: number;
  heartbeatAt: number;
  finishedAt: number | null;
  retiredKeys: string[];
}

export interface DataKeyStore {
  listDataKeys(): Promise<StoredDataKey[]>;
  /** Inserts `key` as the primary unless one exists; resolves false when another node won. */
  createFirstDataKey(key: StoredDataKey): Promise<boolean>;
  /**
   * In one transaction: demotes the primary to active, inserts `key` as primary and
   * records `rotation` as running. Rejects when a rotation is already running.
   */
  beginRotation(key: StoredDataKey, rotation: DataKeyRotation): Promise<void>;
  runningRotation(): Promise<DataKeyRotation | undefined>;
  latestRotation(): Promise<DataKeyRotation | undefined>;
  saveRotationProgress(
    id: string,
    progress: RotationProgress,
    doneCount: number,
    now: number,
  ): Promise<void>;
  /** Marks the rotation done and `retired` keys retired, in one transaction. */
  finishRotation(id: string, retired: string[], now: number): Promise<void>;
}

/**
 * A master key rotation: re-seals every data key under the current master key and moves
 * values still sealed directly by a master key (`v1.`) into the data key ring. Its
 * progress is the stored envelopes themselves (each names its key), so it resumes by
 * skipping what is done; this record says that it runs, since when, and for whom.
 */
export interface MasterKeyRotation {
  id: string;
  /** Fingerprint of the master key everything is being re-sealed under. */
  toKeyId: string;
  /** Fingerprints of the previous master keys configured when it started. */
  fromKeyIds: string[];
  status: 'running' | 'done';
  total: number;
  doneCount: number;
  startedBy: string | null;
  startedAt: number;
  heartbeatAt: number;
  finishedAt: number | null;
}

export interface MasterKeyStore {
  listDataKeys(): Promise<StoredDataKey[]>;
  /**
   * Replaces one data key's sealed material only if it is still `expected` (one
   * statement: atomic per key); resolves whether it did.
   */
  resealDataKey(id: string, expected: string, keySealed: string): Promise<boolean>;
  /** Records `rotation` as running; rejects (code `master_key_rotation_running`) if one is. */
  beginMasterRotation(rotation: MasterKeyRotation): Promise<void>;
  runningMasterRotation(): Promise<MasterKeyRotation | undefined>;
  latestMasterRotation(): Promise<MasterKeyRotation | undefined>;
  /** Saves the count done and the heartbeat (and the target, when a resume changed it). */
  saveMasterRotationProgress(
    id: string,
    progress: { doneCount: number; total: number; toKeyId: string; fromKeyIds: string[] },
    now: number,
  ): Promise<void>;
  finishMasterRotation(id: string, now: number): Promise<void>;
}

/** A column holding sealed values, and the associated data each value was sealed with. */
export interface EncryptedField {
  /** Stable name, used in rotation progress. */
  name: string;
  table: string;
  idColumn: string;
  column: string;
  associatedData(id: string): string;
}

export interface SealedValue {
  id: string;
  value: string;
}

export interface SealedReplacement {
  id: string;
  expected: string;
  value: string;
}

export interface EncryptedFieldStore {
  countSealed(field: EncryptedField): Promise<number>;
  /** Up to `limit` non-null values with an id after `afterId`, in id order. */
  readSealed(field: EncryptedField, afterId: string, limit: number): Promise<SealedValue[]>;
  /**
   * Replaces each value only if it is still `expected` (a concurrent write wins), in one
   * transaction; resolves with how many were replaced.
   */
  replaceSealed(field: EncryptedField, updates: readonly SealedReplacement[]): Promise<number>;
  /** How many values start with `prefix` (e.g. `v2.<keyId>.`). */
  countWithPrefix(field: EncryptedField, prefix: string): Promise<number>;
}

export interface ConsentRecord {
  id: string;
  accountId: string;
  purpose: string;
  granted: boolean;
  time: number;
  ip: string | null;
  userAgent: string | null;
}

export interface ConsentStore {
  addConsent(record: ConsentRecord): Promise<void>;
  /** Every change for the account, oldest first. */
  consentHistory(accountId: string): Promise<ConsentRecord[]>;
}

export interface ErasureInput {
  accountId: string;
  /** Replaces the email: unique, not personal (`erased-<pseudonym>@erased.invalid`). */
  anonymisedEmail: string;
  now: number;
}

export interface PersonalDataStore {
  /**
   * In one transaction: the account keeps its id (audit records name it) but loses its
   * email, name, password and roles and is disabled; sessions lose their IP and device;
   * refresh tokens, MFA, recovery codes, reset tokens and consents are deleted; API keys
   * lose their last-used IP; invites lose the address they were sent to.
   */
  eraseAccount(input: ErasureInput): Promise<void>;
}
