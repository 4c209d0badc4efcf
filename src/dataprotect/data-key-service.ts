import type { EventPublisher } from '../events/event-bus.js';
import type { PubSub, Unsubscribe } from '../storage/hot-state.js';
import { sealedContexts } from './core/associated-data.js';
import { KeyRing, newDataKey } from './core/key-ring.js';
import type { Sealer } from './core/sealer.js';
import {
  DataKeyRotationConflictError,
  type RotateOptions,
  type RotationOutcome,
  rotateDataKeys,
} from './data-key-rotation.js';
import { assertMasterKeysHold, masterKeyMismatch } from './master-key-mismatch.js';
import type {
  DataKeyRotation,
  DataKeyStore,
  EncryptedField,
  EncryptedFieldStore,
  StoredDataKey,
} from './store.js';

/** Pub/sub channel on which a node announces that the data keys changed. */
export const dataKeysChannel = 'dataprotect.data-keys';

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

/** The associated data a data key is sealed with by the master key. */
export const keyContext = sealedContexts.dataKey;

/**
 * The data key ring as a service: loads the keys (creating the first on a fresh
 * database), exposes a `Sealer` that always uses the current ring, reloads when another
 * node rotates, and rotates with a resumable, batched re-encryption of every sealed field
 * (the rotation itself is data-key-rotation.ts; this service runs one at a time).
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
    const rotate = () =>
      rotateDataKeys(
        {
          store: this.#o.store,
          fields: this.#o.fields,
          encryptedFields: this.#o.encryptedFields,
          masterSealer: this.#o.masterSealer,
          events: this.#o.events,
          now: this.#now,
          ring: this.sealer,
          reload: () => this.reload(),
          announce: () => this.#announce(),
          stopping: () => this.#stopping,
        },
        options,
      );
    const jobs = this.#o.jobs;
    const run = (jobs ? jobs.track('data_key_rotation', rotate) : rotate()).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }
}
