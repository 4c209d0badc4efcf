import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds } from '../../../test/support/test-databases.js';
import { AuditTrail } from '../../audit/audit-trail.js';
import { deriveCheckpointSigner } from '../../audit/core/checkpoint-signer.js';
import { loadConfig } from '../../config/load-config.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { type DatabaseHandle, openDatabase } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { SqlAuditStore } from '../../storage/sql/sql-audit-store.js';
import { registerAuditMetrics, registerDatabaseMetrics } from './storage-metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(kind: 'sqlite' | 'postgres'): Promise<DatabaseHandle> {
  const test = await createTestDatabase(kind);
  const handle = openDatabase(test.url);
  cleanups.push(async () => {
    await handle.close();
    await test.drop();
  });
  await migrateToLatest(handle);
  return handle;
}

function event(n: number): SecurityEvent {
  return {
    id: `01933c4e-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type: 'auth.login.failed',
    time: Date.now(),
    outcome: 'failure',
    severity: 'warning',
    actor: { kind: 'anonymous', ip: '198.51.100.7' },
    details: { reason: 'unknown_account' },
  };
}

for (const kind of testDatabaseKinds()) {
  describe(`storage metrics (${kind})`, () => {
    it('time every query by kind and outcome, counting failed queries apart', async () => {
      const database = await open(kind);
      const registry = new Registry();
      const stop = registerDatabaseMetrics(registry, database);
      await database.db.selectFrom('accounts').select('id').execute();
      await database.db.selectFrom('accounts').select('id').execute();
      await expect(
        database.db
          .selectFrom('no_such_table' as 'accounts')
          .select('id')
          .execute(),
      ).rejects.toThrow();
      const text = await registry.metrics();
      const ok = `rampart_database_query_duration_seconds_count{dialect="${kind}",kind="select",outcome="ok"}`;
      const failed = `rampart_database_query_duration_seconds_count{dialect="${kind}",kind="select",outcome="error"}`;
      expect(sample(text, ok)).toBeGreaterThanOrEqual(2);
      expect(sample(text, failed)).toBe(1);
      stop();
      await database.db.selectFrom('accounts').select('id').execute();
      expect(sample(await registry.metrics(), ok)).toBe(sample(text, ok));
      if (kind === 'postgres') {
        expect(text).toMatch(
          /rampart_database_pool_connections\{dialect="postgres",state="max"\} 10/,
        );
        expect(text).toContain('rampart_database_pool_waiting{dialect="postgres"} 0');
      } else {
        expect(text).not.toContain('rampart_database_pool_connections');
      }
    });

    it('count audit records written, batch sizes and write time, and the backlog', async () => {
      const database = await open(kind);
      const { config } = loadConfig({ env: {}, noFile: true, overrides: {} });
      const audit = new AuditTrail({
        store: new SqlAuditStore(database.db, database.dialect),
        signer: deriveCheckpointSigner(randomBytes(32)),
        config,
      });
      cleanups.push(() => audit.close());
      const registry = new Registry();
      registerAuditMetrics(registry, audit);
      await Promise.all(Array.from({ length: 25 }, (_, i) => audit.record(event(i))));
      const text = await registry.metrics();
      expect(sample(text, 'rampart_audit_records_written_total')).toBe(25);
      expect(sample(text, 'rampart_audit_batch_size_sum')).toBe(25);
      expect(sample(text, 'rampart_audit_records_failed_total')).toBe(0);
      expect(
        sample(text, 'rampart_audit_batch_write_duration_seconds_count{outcome="ok"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'rampart_audit_backlog')).toBe(0);
    });
  });
}
