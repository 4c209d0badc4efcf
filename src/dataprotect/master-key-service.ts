import { timingSafeEqual } from 'node:crypto';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import { type MasterKeyRing, masterFingerprintOf } from './core/master-key-ring.js';
import type { Sealer } from './core/sealer.js';
import { type DataKeyService, keyContext } from './data-key-service.js';
import { assertMasterKeysHold } from './master-key-mismatch.js';
import { type MasterKeyStatus, readMasterKeyStatus } from './master-key-status.js';
import type {
  EncryptedField,
  EncryptedFieldStore,
  MasterKeyRotation,
  MasterKeyStore,
  SealedReplacement,
  StoredDataKey,
} from './store.js';

/** A running master key rotation whose heartbeat is older than this may be resumed by anyone. */
export const masterRotationStaleMs = 60_000;

export interface MasterKeyServiceOptions {
  store: MasterKeyStore;
  fields: EncryptedFieldStore;
  encryptedFields: readonly EncryptedField[];
  /** `masterKey` and `masterKeyPrevious`. */
  masterKeys: MasterKeyRing;
  /** The data key ring: reloaded and announced after a rotation; moves `v1.` values in. */
  dataKeys: DataKeyService;
  events: EventPublisher;
  /** `idempotency.ttl`: cached responses sealed by a previous master key live this long. */
  idempotencyTtlMs: number;
  now?: () => number;
  jobs?: { track<T>(job: string, fn: () => Promise<T>): Promise<T> };
}

export interface MasterRotateOptions {
  actor: EventActor;
  /** Values re-encrypted per batch (progress is saved after each); default 100. */
  batchSize?: number;
  /** `always` (the CLI) or only when the running one's heartbeat stopped (`stale`, the API). */
  resume?: 'always' | 'stale';
  /** Called after each data key and each batch; a throw stops the rotation (it resumes). */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface MasterRotationOutcome {
  rotationId: string;
  /** Fingerprint of the master key everything is now sealed under. */
  keyId: string;
  resumed: boolean;
  resealedKeys: number;
  /** `v1.` values moved into the data key ring. */
  reencryptedValues: number;
  total: number;
  /** Previous master keys configured during the rotation. */
  fromKeyIds: string[];
}

export class MasterKeyRotationConflictError extends Error {
  readonly code = 'master_key_rotation_running';
  constructor() {
    super('a master key rotation is already running');
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Master key rotation: every data key is re-sealed under the current master key, one key
 * at a time (open with whichever configured key sealed it, seal with the current one,
 * open the result again and compare, then a conditional update of that one row), and
 * every value still sealed directly by a master key moves into the data key ring. A
 * crash leaves each key sealed by the old master key or the new one, never neither; a
 * second run skips what is done.
 *
 * @example
 * const masterKeys = new MasterKeyService({ store, fields, encryptedFields, masterKeys: ring, dataKeys, events, idempotencyTtlMs });
 * await masterKeys.rotate({ actor: { kind: 'system', id: 'cli' } });
 * (await masterKeys.status()).previous; // [{ fingerprint, needed: false, … }]
 */
export class MasterKeyService {
  readonly #o: MasterKeyServiceOptions;
  readonly #now: () => number;
  #running: Promise<MasterRotationOutcome> | undefined;
  #stopping = false;

  constructor(options: MasterKeyServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get currentKeyId(): string {
    return this.#o.masterKeys.keyId;
  }

  /** Whether previous master keys are configured (a rotation is in progress). */
  get rotationConfigured(): boolean {
    return this.#o.masterKeys.previous.length > 0;
  }

  get activeRotation(): Promise<MasterRotationOutcome> | undefined {
    return this.#running;
  }

  latestRotation(): Promise<MasterKeyRotation | undefined> {
    return this.#o.store.latestMasterRotation();
  }

  async status(): Promise<MasterKeyStatus> {
    return readMasterKeyStatus({
      masterKeys: this.#o.masterKeys,
      keys: await this.#o.store.listDataKeys(),
      fields: this.#o.fields,
      encryptedFields: this.#o.encryptedFields,
      rotation: await this.#o.store.latestMasterRotation(),
      idempotencyTtlMs: this.#o.idempotencyTtlMs,
      now: this.#now(),
    });
  }

  /** Stops a rotation this process runs after its current step (shutdown); it resumes later. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running?.catch(() => {});
  }

  rotate(options: MasterRotateOptions): Promise<MasterRotationOutcome> {
    if (this.#running !== undefined) return Promise.reject(new MasterKeyRotationConflictError());
    const rotate = () => this.#rotate(options);
    const jobs = this.#o.jobs;
    const run = (jobs ? jobs.track('master_key_rotation', rotate) : rotate()).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #rotate(options: MasterRotateOptions): Promise<MasterRotationOutcome> {
    const { masterKeys, store } = this.#o;
    const now = this.#now();
    const keys = await store.listDataKeys();
    // Nothing changes unless every key opens with a configured master key.
    assertMasterKeysHold(keys, masterKeys);
    const pending = keys.filter((k) => masterFingerprintOf(k.keySealed) !== masterKeys.keyId);
    let legacy = 0;
    for (const field of this.#o.encryptedFields)
      legacy += await this.#o.fields.countWithPrefix(field, 'v1.');
    const fromKeyIds = [...masterKeys.previous];
    let rotation = await store.runningMasterRotation();
    let resumed = false;
    if (rotation) {
      const stale = now - rotation.heartbeatAt > masterRotationStaleMs;
      if (options.resume !== 'always' && !stale) throw new MasterKeyRotationConflictError();
      resumed = true;
      rotation = {
        ...rotation,
        toKeyId: masterKeys.keyId,
        fromKeyIds: [...new Set([...rotation.fromKeyIds, ...fromKeyIds])],
        total: rotation.doneCount + pending.length + legacy,
      };
    } else {
      rotation = {
        id: uuidv7(now),
        toKeyId: masterKeys.keyId,
        fromKeyIds,
        status: 'running',
        total: pending.length + legacy,
        doneCount: 0,
        startedBy: options.actor.id ?? options.actor.kind,
        startedAt: now,
        heartbeatAt: now,
        finishedAt: null,
      };
      try {
        await store.beginMasterRotation(rotation);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'master_key_rotation_running')
          throw new MasterKeyRotationConflictError();
        throw error;
      }
      await this.#o.events.publish({
        type: 'master_key.rotated',
        outcome: 'success',
        actor: options.actor,
        target: { type: 'master_key', id: masterKeys.keyId },
        details: {
          rotationId: rotation.id,
          from: fromKeyIds,
          dataKeysToReseal: pending.length,
          valuesToReencrypt: legacy,
        },
      });
    }
    const state = rotation;
    const progress = async () => {
      await store.saveMasterRotationProgress(state.id, state, this.#now());
      await options.onProgress?.(Math.min(state.doneCount, state.total), state.total);
    };
    await progress();
    let resealedKeys = 0;
    for (const key of pending) {
      this.#checkStopping();
      if (await this.#reseal(key)) resealedKeys++;
      state.doneCount++;
      await progress();
    }
    const reencryptedValues = await this.#moveLegacyValues(
      options.batchSize ?? 100,
      state,
      progress,
    );
    await store.finishMasterRotation(state.id, this.#now());
    // Every node reloads: each re-reads the keys and proves it can open them.
    await this.#o.dataKeys.reload();
    await this.#o.dataKeys.announce();
    await this.#o.events.publish({
      type: 'master_key.rotation.completed',
      outcome: 'success',
      actor: options.actor,
      target: { type: 'master_key', id: masterKeys.keyId },
      details: {
        rotationId: state.id,
        resumed,
        resealedKeys,
        reencryptedValues,
        from: state.fromKeyIds,
      },
    });
    return {
      rotationId: state.id,
      keyId: masterKeys.keyId,
      resumed,
      resealedKeys,
      reencryptedValues,
      total: state.total,
      fromKeyIds: state.fromKeyIds,
    };
  }

  #checkStopping(): void {
    if (this.#stopping)
      throw new Error('master key rotation stopped by shutdown; run it again to resume');
  }

  /**
   * One data key under the current master key, verified before the conditional update.
   * Resolves false when another writer got there first with a value already sealed by
   * the current key.
   */
  async #reseal(key: StoredDataKey): Promise<boolean> {
    const { masterKeys, store } = this.#o;
    let current = key;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (masterFingerprintOf(current.keySealed) === masterKeys.keyId) return false;
      const ad = keyContext(current.id);
      const plaintext = masterKeys.open(current.keySealed, ad);
      try {
        const sealed = masterKeys.seal(plaintext, ad);
        const check = masterKeys.open(sealed, ad);
        const verified =
          masterFingerprintOf(sealed) === masterKeys.keyId && sameBytes(check, plaintext);
        check.fill(0);
        if (!verified) throw new Error(`data key ${current.id} did not verify after re-sealing`);
        if (await store.resealDataKey(current.id, current.keySealed, sealed)) return true;
      } finally {
        plaintext.fill(0);
      }
      // Changed under us (another node rotating): read it again and retry.
      const again = (await store.listDataKeys()).find((k) => k.id === current.id);
      if (!again) return false;
      current = again;
    }
    throw new Error(`data key ${key.id} kept changing during the master key rotation`);
  }

  /** Every `v1.` value (sealed directly by a master key) into the data key ring. */
  async #moveLegacyValues(
    batchSize: number,
    state: MasterKeyRotation,
    progress: () => Promise<void>,
  ): Promise<number> {
    const sealer: Sealer = this.#o.dataKeys.sealer;
    let moved = 0;
    for (const field of this.#o.encryptedFields) {
      let after = '';
      for (;;) {
        this.#checkStopping();
        const batch = await this.#o.fields.readSealed(field, after, batchSize);
        const updates: SealedReplacement[] = [];
        for (const row of batch) {
          if (!row.value.startsWith('v1.')) continue;
          const ad = field.associatedData(row.id);
          const plaintext = sealer.open(row.value, ad);
          const value = sealer.seal(plaintext, ad);
          const check = sealer.open(value, ad);
          const verified = sameBytes(check, plaintext);
          plaintext.fill(0);
          check.fill(0);
          if (!verified) throw new Error(`${field.name} ${row.id} did not verify after re-sealing`);
          updates.push({ id: row.id, expected: row.value, value });
        }
        const replaced = await this.#o.fields.replaceSealed(field, updates);
        moved += replaced;
        const last = batch.at(-1);
        if (last) after = last.id;
        if (updates.length > 0) {
          state.doneCount += updates.length;
          await progress();
        }
        if (batch.length < batchSize) break;
      }
    }
    return moved;
  }
}
