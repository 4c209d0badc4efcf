import type { RampartConfig } from '../config/schema.js';
import type { SecurityEvent } from '../events/security-event.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import type { AuditEntry } from './core/audit-record.js';
import { type ChainVerification, verifyChain } from './core/chain-verifier.js';
import type {
  AuditCheckpoint,
  CheckpointKind,
  CheckpointSigner,
} from './core/checkpoint-signer.js';
import { GroupCommit } from './core/group-commit.js';
import { defaultRiskBase, parseRiskBase, riskScore } from './core/risk-score.js';
import type { AuditStore } from './store.js';

/** Told about every batch write: how many records, how long it took, whether it committed. */
export type AuditWriteObserver = (records: number, seconds: number, committed: boolean) => void;

export interface AuditTrailOptions {
  store: AuditStore;
  signer: CheckpointSigner;
  config: Pick<RampartConfig, 'env'> & { audit: RampartConfig['audit'] };
  now?: () => number;
  /** Counts background work as jobs (monitor's JobTracker; structural, to keep capabilities apart). */
  jobs?: { track<T>(job: string, fn: () => Promise<T>): Promise<T> };
  onBackgroundError?: (error: unknown, task: string) => void;
  /**
   * Applied to every event's details before the record is hashed and stored (the
   * classification registry): a secret in details never reaches the store, and the
   * chain covers exactly what is stored, so it stays verifiable.
   */
  redactDetails?: (details: Record<string, unknown>) => Record<string, unknown>;
}

/** Turns a security event into an audit entry with its risk score. */
export function toAuditEntry(
  event: SecurityEvent,
  environment: RampartConfig['env'],
  riskBase: Readonly<Record<string, number>>,
): AuditEntry {
  const apiKeyId =
    event.actor.kind === 'api_key'
      ? (event.actor.id ?? null)
      : typeof event.details.apiKeyId === 'string'
        ? event.details.apiKeyId
        : null;
  return {
    id: event.id,
    time: event.time,
    actor: {
      kind: event.actor.kind,
      id: event.actor.id ?? null,
      ip: event.actor.ip ?? null,
      userAgent: event.actor.userAgent ?? null,
      apiKeyId,
    },
    action: event.type,
    target: event.target ? { type: event.target.type, id: event.target.id ?? null } : null,
    outcome: event.outcome,
    severity: event.severity,
    environment,
    requestId: event.requestId ?? null,
    risk: riskScore(event, { environment, base: riskBase }),
    // Hashed and stored as canonical JSON, which also drops undefined members.
    details: event.details ?? {},
  };
}

/**
 * The audit trail: records every security event with group commit, writes signed
 * checkpoints every `checkpointEvery` records and `checkpointInterval` seconds, applies
 * retention, and verifies the chain.
 *
 * @example
 * const audit = new AuditTrail({ store, signer, config });
 * events.subscribe('audit', (event) => audit.record(event));
 * audit.start();
 */
export class AuditTrail {
  readonly #o: AuditTrailOptions;
  readonly #now: () => number;
  readonly #riskBase: Readonly<Record<string, number>>;
  readonly #commit: GroupCommit<AuditEntry>;
  readonly #timers: NodeJS.Timeout[] = [];
  #sinceCheckpoint = 0;
  #checkpointing: Promise<unknown> | undefined;
  #observer: AuditWriteObserver | undefined;

  constructor(options: AuditTrailOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#riskBase = Object.freeze({
      ...defaultRiskBase,
      ...parseRiskBase(options.config.audit.riskBase),
    });
    this.#commit = new GroupCommit<AuditEntry>({
      write: async (entries) => {
        const started = performance.now();
        try {
          const written = await options.store.append(entries);
          this.#observer?.(entries.length, (performance.now() - started) / 1000, true);
          return written;
        } catch (error) {
          this.#observer?.(entries.length, (performance.now() - started) / 1000, false);
          throw error;
        }
      },
      delayMs: options.config.audit.flushDelayMs,
      maxBatch: options.config.audit.maxBatch,
      onCommitted: (count) => {
        this.#sinceCheckpoint += count;
        if (this.#sinceCheckpoint >= options.config.audit.checkpointEvery) this.#checkpointSoon();
      },
    });
  }

  /** Sets the one observer of batch writes (metrics); `undefined` removes it. */
  observeWrites(observer: AuditWriteObserver | undefined): void {
    this.#observer = observer;
  }

  /** Events waiting for or in a batch write (metrics; the `auditBacklog` health check). */
  get backlog(): number {
    return this.#commit.pending;
  }

  get store(): AuditStore {
    return this.#o.store;
  }

  get signer(): CheckpointSigner {
    return this.#o.signer;
  }

  /** Public keys verification trusts: this server's and `audit.trustedKeys`. */
  get trustedKeys(): ReadonlySet<string> {
    return new Set([this.#o.signer.publicKey, ...this.#o.config.audit.trustedKeys]);
  }

  /** Resolves once the event is committed to the database. */
  record(event: SecurityEvent): Promise<void> {
    const redact = this.#o.redactDetails;
    const recorded = redact ? { ...event, details: redact(event.details ?? {}) } : event;
    return this.#commit.add(toAuditEntry(recorded, this.#o.config.env, this.#riskBase));
  }

  /** Starts the checkpoint and retention timers (unref'd: they never hold the process). */
  start(): void {
    const { checkpointInterval, retentionDays } = this.#o.config.audit;
    const interval = setInterval(() => {
      if (this.#sinceCheckpoint > 0) this.#checkpointSoon();
    }, checkpointInterval * 1000);
    interval.unref();
    this.#timers.push(interval);
    if (retentionDays > 0) {
      const run = () => {
        this.#job('audit_retention', () => this.applyRetention()).catch((error: unknown) =>
          this.#o.onBackgroundError?.(error, 'audit retention'),
        );
      };
      const retention = setInterval(run, 3_600_000);
      retention.unref();
      this.#timers.push(retention);
      const first = setTimeout(run, 1000);
      first.unref();
      this.#timers.push(first);
    }
  }

  #checkpointSoon(): void {
    if (this.#checkpointing !== undefined) return;
    this.#sinceCheckpoint = 0;
    this.#checkpointing = this.#job('audit_checkpoint', () => this.checkpoint('interval'))
      .catch((error: unknown) => this.#o.onBackgroundError?.(error, 'audit checkpoint'))
      .finally(() => {
        this.#checkpointing = undefined;
      });
  }

  #job<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.#o.jobs ? this.#o.jobs.track(name, fn) : fn();
  }

  #sign(seq: number, hash: string, kind: CheckpointKind): AuditCheckpoint {
    const time = this.#now();
    return {
      id: uuidv7(time),
      seq,
      hash,
      time,
      kind,
      keyId: this.#o.signer.keyId,
      publicKey: this.#o.signer.publicKey,
      signature: this.#o.signer.sign(seq, hash, time),
    };
  }

  /** Signs and stores a checkpoint of the current chain head; undefined when the chain is empty. */
  async checkpoint(kind: CheckpointKind = 'manual'): Promise<AuditCheckpoint | undefined> {
    const head = await this.#o.store.head();
    if (head.seq === 0) return undefined;
    const checkpoint = this.#sign(head.seq, head.hash, kind);
    await this.#o.store.insertCheckpoint(checkpoint);
    return checkpoint;
  }

  /** Deletes records older than audit.retentionDays behind a signed anchor. */
  async applyRetention(days = this.#o.config.audit.retentionDays): Promise<{ deleted: number }> {
    if (days <= 0) return { deleted: 0 };
    const cutoff = this.#now() - days * 86_400_000;
    const { deleted } = await this.#o.store.deleteBefore(cutoff, (seq, hash) =>
      this.#sign(seq, hash, 'anchor'),
    );
    return { deleted };
  }

  async verify(): Promise<ChainVerification> {
    return verifyAuditStore(this.#o.store, this.trustedKeys);
  }

  /** Writes what is queued, stops the timers and refuses further events. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.#commit.close();
    if (this.#checkpointing !== undefined) await this.#checkpointing;
  }

  /** Resolves once every event recorded so far is committed. */
  flush(): Promise<void> {
    return this.#commit.flush();
  }
}

/** Verifies a store's chain against its checkpoints with the given trusted keys. */
export async function verifyAuditStore(
  store: AuditStore,
  trustedKeys: ReadonlySet<string>,
): Promise<ChainVerification> {
  return verifyChain({
    readAfter: (after, limit) => store.readAfter(after, limit),
    checkpoints: await store.listCheckpoints(),
    trustedKeys,
  });
}
