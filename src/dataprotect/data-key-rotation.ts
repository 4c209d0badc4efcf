import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import { sealedContexts } from './core/associated-data.js';
import { envelopeKeyId, newDataKey, ringEnvelopeVersion } from './core/key-ring.js';
import type { Sealer } from './core/sealer.js';
import type {
  DataKeyRotation,
  DataKeyStore,
  EncryptedField,
  EncryptedFieldStore,
  SealedReplacement,
} from './store.js';

/** A running rotation whose heartbeat is older than this may be resumed by anyone. */
export const rotationStaleMs = 60_000;

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

/** What a rotation works with: the stores, and the ring of the service running it. */
export interface DataKeyRotationContext {
  store: DataKeyStore;
  fields: EncryptedFieldStore;
  encryptedFields: readonly EncryptedField[];
  /** Seals the new data key itself. */
  masterSealer: Sealer;
  events: EventPublisher;
  now: () => number;
  /** The ring in force (seals with its primary key, opens with any), followed across reloads. */
  ring: Sealer;
  /** Reads the ring again from the database. */
  reload: () => Promise<void>;
  /** Tells every node to reload the ring. */
  announce: () => Promise<void>;
  /** True once the process is shutting down: the rotation stops after its batch. */
  stopping: () => boolean;
}

/**
 * One data key rotation, from start (or resumption) to end: makes a new primary key, or
 * takes over a rotation left running, re-encrypts every sealed field in batches, saving
 * progress after each, then retires the keys no value uses any more. The service makes
 * sure one process runs one rotation at a time (DataKeyService.rotate).
 *
 * @example
 * const outcome = await rotateDataKeys(context, { actor: { kind: 'system' }, batchSize: 500 });
 * outcome.retiredKeys; // ids of keys no value is sealed with any more
 */
export async function rotateDataKeys(
  c: DataKeyRotationContext,
  options: RotateOptions,
): Promise<RotationOutcome> {
  const now = c.now();
  let rotation = await c.store.runningRotation();
  let resumed = false;
  if (rotation) {
    const stale = now - rotation.heartbeatAt > rotationStaleMs;
    if (options.resume !== 'always' && !stale) throw new DataKeyRotationConflictError();
    resumed = true;
  } else {
    const key = newDataKey();
    let total = 0;
    for (const field of c.encryptedFields) total += await c.fields.countSealed(field);
    rotation = {
      id: uuidv7(now),
      keyId: key.id,
      status: 'running',
      progress: Object.fromEntries(
        c.encryptedFields.map((f) => [f.name, { after: '', done: false }]),
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
      await c.store.beginRotation(
        {
          id: key.id,
          keySealed: c.masterSealer.seal(key.key, sealedContexts.dataKey(key.id)),
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
    await c.reload();
    await c.announce();
    await c.events.publish({
      type: 'data_key.rotated',
      outcome: 'success',
      actor: options.actor,
      target: { type: 'data_key', id: key.id },
      details: { rotationId: rotation.id, valuesToReencrypt: total },
    });
  }
  // A resumed rotation may come from another process: make sure this ring has its key.
  if (c.ring.keyId !== rotation.keyId) await c.reload();
  const reencrypted = await reencrypt(c, rotation, options);
  const { retired, legacyRemaining } = await retireUnused(c);
  await c.store.finishRotation(rotation.id, retired, c.now());
  await c.reload();
  await c.announce();
  await c.events.publish({
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

/** Re-seals every value not yet under the rotation's key, batch by batch; the count changed. */
async function reencrypt(
  c: DataKeyRotationContext,
  rotation: DataKeyRotation,
  options: RotateOptions,
): Promise<number> {
  const batchSize = options.batchSize ?? 100;
  const progress = { ...rotation.progress };
  let doneCount = rotation.doneCount;
  let reencrypted = 0;
  for (const field of c.encryptedFields) {
    const state = progress[field.name] ?? { after: '', done: false };
    while (!state.done) {
      if (c.stopping())
        throw new Error('data key rotation stopped by shutdown; run it again to resume');
      const batch = await c.fields.readSealed(field, state.after, batchSize);
      const updates: SealedReplacement[] = [];
      for (const row of batch) {
        if (envelopeKeyId(row.value) === rotation.keyId) continue;
        const ad = field.associatedData(row.id);
        const plaintext = c.ring.open(row.value, ad);
        updates.push({ id: row.id, expected: row.value, value: c.ring.seal(plaintext, ad) });
        plaintext.fill(0);
      }
      reencrypted += await c.fields.replaceSealed(field, updates);
      const last = batch.at(-1);
      if (last) state.after = last.id;
      if (batch.length < batchSize) state.done = true;
      progress[field.name] = { ...state };
      doneCount += batch.length;
      await c.store.saveRotationProgress(rotation.id, progress, doneCount, c.now());
      await options.onProgress?.(Math.min(doneCount, rotation.total), rotation.total);
    }
  }
  return reencrypted;
}

/** The `active` keys no value uses any more, and the count of legacy (`v1.`) values left. */
async function retireUnused(
  c: DataKeyRotationContext,
): Promise<{ retired: string[]; legacyRemaining: number }> {
  const keys = await c.store.listDataKeys();
  const retired: string[] = [];
  for (const key of keys) {
    if (key.status !== 'active') continue;
    let uses = 0;
    for (const field of c.encryptedFields) {
      uses += await c.fields.countWithPrefix(field, `${ringEnvelopeVersion}.${key.id}.`);
    }
    if (uses === 0) retired.push(key.id);
  }
  let legacyRemaining = 0;
  for (const field of c.encryptedFields) {
    legacyRemaining += await c.fields.countWithPrefix(field, 'v1.');
  }
  return { retired, legacyRemaining };
}
