import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { DatabaseHandle } from '../../storage/database.js';

// Seconds: a cached SQLite read takes tens of microseconds, a slow PostgreSQL write seconds.
const queryBuckets = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
const batchSizeBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

/**
 * Database query time by kind and outcome, and (PostgreSQL) the pool's connections and
 * waiting queries. Queries are observed through Kysely's log hook on this handle.
 *
 * @example
 * const stop = registerDatabaseMetrics(registry, database);
 */
export function registerDatabaseMetrics(registry: Registry, database: DatabaseHandle): () => void {
  const dialect = database.dialect;
  const duration = new Histogram({
    name: 'rampart_database_query_duration_seconds',
    help: 'Time of each database query, by dialect, kind (select, insert, update, delete, other) and outcome.',
    labelNames: ['dialect', 'kind', 'outcome'] as const,
    buckets: queryBuckets,
    registers: [registry],
  });
  // Resolved once per (kind, outcome): labels() hashes its arguments on every call.
  const children = new Map<string, Histogram.Internal<'dialect' | 'kind' | 'outcome'>>();
  database.observeQueries((kind, seconds, failed) => {
    const outcome = failed ? 'error' : 'ok';
    const key = `${kind} ${outcome}`;
    let child = children.get(key);
    if (child === undefined) {
      child = duration.labels({ dialect, kind, outcome });
      children.set(key, child);
    }
    child.observe(seconds);
  });
  if (database.poolStats() !== undefined) {
    new Gauge({
      name: 'rampart_database_pool_connections',
      help: 'Database pool connections by state (idle, busy) and the pool maximum (max).',
      labelNames: ['dialect', 'state'] as const,
      registers: [registry],
      collect() {
        const stats = database.poolStats();
        if (stats === undefined) return;
        this.set({ dialect, state: 'idle' }, stats.idle);
        this.set({ dialect, state: 'busy' }, stats.total - stats.idle);
        this.set({ dialect, state: 'max' }, stats.max);
      },
    });
    new Gauge({
      name: 'rampart_database_pool_waiting',
      help: 'Queries waiting for a free database connection.',
      labelNames: ['dialect'] as const,
      registers: [registry],
      collect() {
        this.set({ dialect }, database.poolStats()?.waiting ?? 0);
      },
    });
  }
  return () => database.observeQueries(undefined);
}

/**
 * The audit trail's writer: records written and failed, batch write time and size, and
 * the backlog of events waiting for their batch.
 *
 * @example
 * const stop = registerAuditMetrics(registry, audit);
 */
export function registerAuditMetrics(registry: Registry, audit: AuditTrail): () => void {
  const written = new Counter({
    name: 'rampart_audit_records_written_total',
    help: 'Audit records committed to the hash chain.',
    registers: [registry],
  });
  const failed = new Counter({
    name: 'rampart_audit_records_failed_total',
    help: 'Audit records in batches whose write failed (their publishers saw the error).',
    registers: [registry],
  });
  const writeTime = new Histogram({
    name: 'rampart_audit_batch_write_duration_seconds',
    help: 'Time to append one batch to the chain (one transaction), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: queryBuckets,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'rampart_audit_batch_size',
    help: 'Records per batch write (group commit).',
    buckets: batchSizeBuckets,
    registers: [registry],
  });
  new Gauge({
    name: 'rampart_audit_backlog',
    help: 'Events waiting for, or in, a batch write.',
    registers: [registry],
    collect() {
      this.set(audit.backlog);
    },
  });
  const ok = writeTime.labels({ outcome: 'ok' });
  const error = writeTime.labels({ outcome: 'error' });
  audit.observeWrites((records, seconds, committed) => {
    (committed ? ok : error).observe(seconds);
    batchSize.observe(records);
    (committed ? written : failed).inc(records);
  });
  return () => audit.observeWrites(undefined);
}
