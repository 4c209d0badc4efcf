import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import type { PubSub, Unsubscribe } from '../storage/hot-state.js';
import { sealedContexts } from './core/associated-data.js';
import { envelopeKeyId, KeyRing, newDataKey, ringEnvelopeVersion } from './core/key-ring.js';
import type { Sealer } from './core/sealer.js';
import { assertMasterKeysHold, masterKeyMismatch } from './master-key-mismatch.js';
import type {
  DataKeyRotation,
  DataKeyStore,
  EncryptedField,
  EncryptedFieldStore,
  SealedReplacement,
  StoredDataKey,
} from './store.js';

/** Pub/sub channel on which a node announces that the data keys changed. */
export const dataKeysChannel = 'dataprotect.data-keys';

/** A running rotation whose heartbeat is older than this may be resumed by anyone. */
export const rotationStaleMs = 60_000;

export interface DataKeyServiceOptions {
  store: DataKeyStore;
  fields: EncryptedFieldStore;
  encryptedFields: readonly EncryptedField[];
  /** The master-key sealer: seals the data keys themselves, and opens legacy `v1.` values. */
  masterSealer: Sealer;
  pubsub: PubSub;
  events: EventPublisher;
  now?: () => number;
  onBackgroundError?: (error: unknown, task: string) => void;
  /** Counts background work as jobs (monitor's JobTracker; structural, to keep capabilities apart). */
  jobs?: { track<T>(job: string, fn: () => Promise<T>): Promise<T> };
}

export interface RotateOptions {
  actor: EventActor;
  /** Rows re-encrypted per batch (progress is saved after each); default 100. */
  batchSize?: number;
  /**
   * Resume a running rotation: `always` (the CLI: the operator knows no other one runs)
   * or only when its heartbeat stopped (`stale`, the API). Default `stale`.
   */
  resume?: 'always' | 'stale';
  /** Called after each batch; a throw stops the rotation with its progress saved. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface RotationOutcome {
  rotationId: string;
  keyId: string;
  resumed: boolean;
  reencrypted: number;
  total: number;
  retiredKeys: string[];
  /** Values still sealed directly by the master key (written concurrently); 0 normally. */
  legacyRemaining: number;
}

export class DataKeyRotationConflictError extends Error {
  readonly code = 'data_key_rotation_running';
  constructor() {
    super('a data key rotation is already running');
  }
}

/** The associated data a data key is sealed with by the master key. */
export const keyContext = sealedContexts.dataKey;

/**
 * The data key ring as a service: loads the keys (creating the first on a fresh
 * database), exposes a `Sealer` that always uses the current ring, reloads when another
 * node rotates, and rotates with a resumable, batched re-encryption of every sealed field.
 *
 * @example
 * const dataKeys = await DataKeyService.open({ store, fields: store, encryptedFields, masterSealer, pubsub, events });
 * const sealer = dataKeys.sealer; // hand to MFA, signing keys, API keys
 */
export class DataKeyService {
  readonly #o: DataKeyServiceOptions;
  readonly #now: () => number;
  #ring: KeyRing;
  #keys: StoredDataKey[] = [];
  #reloading: Promise<void> | undefined;
  #running: Promise<RotationOutcome> | undefined;

  /** Seals with the current primary key; opens with any key in the ring (or legacy v1). */
  readonly sealer: Sealer;

  #stopping = false;

  private constructor(options: DataKeyServiceOptions, keys: StoredDataKey[]) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#ring = this.#build(keys);
    this.#keys = keys;
    const self = this;
    this.sealer = {
      get keyId() {
        return self.#ring.keyId;
      },
      seal: (plaintext, associatedData) => self.#ring.seal(plaintext, associatedData),
      open: (envelope, associatedData) => self.#ring.open(envelope, associatedData),
    };
  }

  static async open(options: DataKeyServiceOptions): Promise<DataKeyService> {
    const now = options.now ?? Date.now;
    let keys = await options.store.listDataKeys();
    // Before anything is sealed: a wrong master key must not create a second ring.
    assertMasterKeysHold(keys, options.masterSealer);
    if (!keys.some((k) => k.status === 'primary')) {
      const key = newDataKey();
      await options.store.createFirstDataKey({
        id: key.id,
        keySealed: options.masterSealer.seal(key.key, keyContext(key.id)),
        status: 'primary',
        createdAt: now(),
        retiredAt: null,
      });
      // Another node may have won the race: read back whichever is primary.
      keys = await options.store.listDataKeys();
    }
    return new DataKeyService(options, keys);
  }

  #build(keys: StoredDataKey[]): KeyRing {
    const live = keys.filter((k) => k.status !== 'retired');
    const primary = live.find((k) => k.status === 'primary');
    if (!primary) throw new Error('no primary data key');
    const unseal = (k: StoredDataKey) => {
      try {
        return { id: k.id, key: this.#o.masterSealer.open(k.keySealed, keyContext(k.id)) };
      } catch (error) {
        throw masterKeyMismatch(k, this.#o.masterSealer, error);
      }
    };
    return new KeyRing({
      primary: unseal(primary),
      others: live.filter((k) => k !== primary).map(unseal),
      legacy: this.#o.masterSealer,
      onUnknownKey: () => {
        // Another node rotated and its announcement has not arrived yet: fetch now, so
        // the next attempt (a retry, the next request) succeeds.
        void this.reload().catch((error: unknown) =>
          this.#o.onBackgroundError?.(error, 'data key reload'),
        );
      },
    });
  }

  /** The keys as stored (sealed material only), oldest first. */
  get keys(): readonly StoredDataKey[] {
    return this.#keys;
  }

  get primaryKeyId(): string {
    return this.#ring.keyId;
  }

  /** Reads the ring again from the database (coalesced). */
  reload(): Promise<void> {
    this.#reloading ??= (async () => {
      try {
        const keys = await this.#o.store.listDataKeys();
        this.#ring = this.#build(keys);
        this.#keys = keys;
      } finally {
        this.#reloading = undefined;
      }
    })();
    return this.#reloading;
  }

  /** Reload whenever another node (or the CLI) announces a change. */
  follow(): Promise<Unsubscribe> {
    return this.#o.pubsub.subscribe(dataKeysChannel, () => {
      void this.reload().catch((error: unknown) =>
        this.#o.onBackgroundError?.(error, 'data key reload'),
      );
    });
  }

  /** Tells every node to reload the ring (after the stored keys changed). */
  async announce(): Promise<void> {
    await this.#announce();
  }

  async #announce(): Promise<void> {
    await this.#o.pubsub.publish(dataKeysChannel, this.#ring.keyId);
  }

  /** The latest rotation (running or done), if any. */
  latestRotation(): Promise<DataKeyRotation | undefined> {
    return this.#o.store.latestRotation();
  }

  /**
   * Stops a rotation this process runs after its current batch (shutdown); its progress
   * is saved and the next `rotate` resumes it. Resolves when it has stopped.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running?.catch(() => {});
  }

  /** The rotation this process is running, if any. */
  get activeRotation(): Promise<RotationOutcome> | undefined {
    return this.#running;
  }

  /**
   * Makes a new primary key (or resumes a rotation left running), re-encrypts every
   * sealed field in batches, saving progress after each, then retires the keys no value
   * uses any more. Resolves when done.
   */
  rotate(options: RotateOptions): Promise<RotationOutcome> {
    if (this.#running !== undefined) return Promise.reject(new DataKeyRotationConflictError());
    const rotate = () => this.#rotate(options);
    const jobs = this.#o.jobs;
    const run = (jobs ? jobs.track('data_key_rotation', rotate) : rotate()).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #rotate(options: RotateOptions): Promise<RotationOutcome> {
    const now = this.#now();
    let rotation = await this.#o.store.runningRotation();
    let resumed = false;
    if (rotation) {
      const stale = now - rotation.heartbeatAt > rotationStaleMs;
      if (options.resume !== 'always' && !stale) throw new DataKeyRotationConflictError();
      resumed = true;
    } else {
      const key = newDataKey();
      let total = 0;
      for (const field of this.#o.encryptedFields) total += await this.#o.fields.countSealed(field);
      rotation = {
        id: uuidv7(now),
        keyId: key.id,
        status: 'running',
        progress: Object.fromEntries(
          this.#o.encryptedFields.map((f) => [f.name, { after: '', done: false }]),
        ),
        total,
        doneCount: 0,
        startedBy: options.actor.id ?? options.actor.kind,
        startedAt: now,
        heartbeatAt: now,
        finishedAt: null,
        retiredKeys: [],
      };
      try {
        await this.#o.store.beginRotation(
          {
            id: key.id,
            keySealed: this.#o.masterSealer.seal(key.key, keyContext(key.id)),
            status: 'primary',
            createdAt: now,
            retiredAt: null,
          },
          rotation,
        );
      } catch (error) {
        if ((error as { code?: unknown }).code === 'data_key_rotation_running')
          throw new DataKeyRotationConflictError();
        throw error;
      }
      await this.reload();
      await this.#announce();
      await this.#o.events.publish({
        type: 'data_key.rotated',
        outcome: 'success',
        actor: options.actor,
        target: { type: 'data_key', id: key.id },
        details: { rotationId: rotation.id, valuesToReencrypt: total },
      });
    }
    // A resumed rotation may come from another process: make sure this ring has its key.
    if (this.#ring.keyId !== rotation.keyId) await this.reload();
    const reencrypted = await this.#reencrypt(rotation, options);
    const { retired, legacyRemaining } = await this.#retireUnused();
    await this.#o.store.finishRotation(rotation.id, retired, this.#now());
    await this.reload();
    await this.#announce();
    await this.#o.events.publish({
      type: 'data_key.rotation.completed',
      outcome: 'success',
      actor: options.actor,
      target: { type: 'data_key', id: rotation.keyId },
      details: { rotationId: rotation.id, resumed, reencrypted, retiredKeys: retired },
    });
    return {
      rotationId: rotation.id,
      keyId: rotation.keyId,
      resumed,
      reencrypted,
      total: rotation.total,
      retiredKeys: retired,
      legacyRemaining,
    };
  }

  async #reencrypt(rotation: DataKeyRotation, options: RotateOptions): Promise<number> {
    const batchSize = options.batchSize ?? 100;
    const progress = { ...rotation.progress };
    let doneCount = rotation.doneCount;
    let reencrypted = 0;
    for (const field of this.#o.encryptedFields) {
      const state = progress[field.name] ?? { after: '', done: false };
      while (!state.done) {
        if (this.#stopping)
          throw new Error('data key rotation stopped by shutdown; run it again to resume');
        const batch = await this.#o.fields.readSealed(field, state.after, batchSize);
        const updates: SealedReplacement[] = [];
        for (const row of batch) {
          if (envelopeKeyId(row.value) === rotation.keyId) continue;
          const ad = field.associatedData(row.id);
          const plaintext = this.#ring.open(row.value, ad);
          updates.push({ id: row.id, expected: row.value, value: this.#ring.seal(plaintext, ad) });
          plaintext.fill(0);
        }
        reencrypted += await this.#o.fields.replaceSealed(field, updates);
        const last = batch.at(-1);
        if (last) state.after = last.id;
        if (batch.length < batchSize) state.done = true;
        progress[field.name] = { ...state };
        doneCount += batch.length;
        await this.#o.store.saveRotationProgress(rotation.id, progress, doneCount, this.#now());
        await options.onProgress?.(Math.min(doneCount, rotation.total), rotation.total);
      }
    }
    return reencrypted;
  }

  async #retireUnused(): Promise<{ retired: string[]; legacyRemaining: number }> {
    const keys = await this.#o.store.listDataKeys();
    const retired: string[] = [];
    for (const key of keys) {
      if (key.status !== 'active') continue;
      let uses = 0;
      for (const field of this.#o.encryptedFields) {
        uses += await this.#o.fields.countWithPrefix(field, `${ringEnvelopeVersion}.${key.id}.`);
      }
      if (uses === 0) retired.push(key.id);
    }
    let legacyRemaining = 0;
    for (const field of this.#o.encryptedFields) {
      legacyRemaining += await this.#o.fields.countWithPrefix(field, 'v1.');
    }
    return { retired, legacyRemaining };
  }
}
