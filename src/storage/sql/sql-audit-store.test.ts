import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnNode } from '../../../test/support/spawn.js';
import { createTestDatabase, testDatabaseKinds } from '../../../test/support/test-databases.js';
import { AuditTrail, verifyAuditStore } from '../../audit/audit-trail.js';
import type { AuditEntry } from '../../audit/core/audit-record.js';
import { deriveCheckpointSigner } from '../../audit/core/checkpoint-signer.js';
import type { RampartConfig } from '../../config/schema.js';
import { type DatabaseHandle, openDatabase } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { SqlAuditStore } from './sql-audit-store.js';

const signer = deriveCheckpointSigner(randomBytes(32));
const trusted = new Set([signer.publicKey]);

function entry(i: number, time = Date.now()): AuditEntry {
  return {
    id: `e-${i}-${randomBytes(4).toString('hex')}`,
    time,
    actor: { kind: 'user', id: `u${i % 3}`, ip: '192.0.2.1', userAgent: null, apiKeyId: null },
    action: 'auth.login.failed',
    target: { type: 'account', id: null },
    outcome: 'failure',
    severity: 'warning',
    environment: 'development',
    requestId: null,
    risk: 7,
    details: { i, nested: { b: [1, 'x'], a: null } },
  };
}

const auditConfig = (retentionDays = 0): Pick<RampartConfig, 'env' | 'audit'> => ({
  env: 'development',
  audit: {
    enabled: true,
    flushDelayMs: 0,
    maxBatch: 1000,
    checkpointEvery: 1_000_000,
    checkpointInterval: 3600,
    retentionDays,
    riskBase: [],
    trustedKeys: [],
  },
});

for (const kind of testDatabaseKinds()) {
  describe(`SqlAuditStore on ${kind}`, () => {
    const handles: DatabaseHandle[] = [];
    let drop: (() => Promise<void>) | undefined;
    afterEach(async () => {
      for (const h of handles.splice(0)) await h.close();
      await drop?.();
    });

    async function open(count: number): Promise<SqlAuditStore[]> {
      const database = await createTestDatabase(kind);
      drop = database.drop;
      // SQLite in memory is one connection; PostgreSQL nodes each have their own pool.
      const first = openDatabase(database.url);
      handles.push(first);
      await migrateToLatest(first);
      const stores = [new SqlAuditStore(first.db, first.dialect)];
      for (let i = 1; i < count; i++) {
        const h = kind === 'postgres' ? openDatabase(database.url) : first;
        if (h !== first) handles.push(h);
        stores.push(new SqlAuditStore(h.db, h.dialect));
      }
      return stores;
    }

    it('never forks the chain under concurrent appends from several nodes', async () => {
      const nodes = await open(3);
      await Promise.all(
        nodes.flatMap((store, n) =>
          Array.from({ length: 15 }, (_, b) =>
            store.append(Array.from({ length: 7 }, (_, i) => entry(n * 1000 + b * 10 + i))),
          ),
        ),
      );
      const [first] = nodes;
      if (!first) throw new Error('no store');
      expect((await first.head()).seq).toBe(3 * 15 * 7);
      const result = await verifyAuditStore(first, trusted);
      expect(result).toMatchObject({ ok: true, checked: 315, lastSeq: 315 });
    });

    it('keeps the remainder verifiable after retention deletes old records', async () => {
      const [store] = await open(1);
      if (!store) throw new Error('no store');
      const old = Date.now() - 40 * 86_400_000;
      await store.append(Array.from({ length: 10 }, (_, i) => entry(i, old)));
      const trail = new AuditTrail({ store, signer, config: auditConfig(30) });
      await trail.checkpoint('manual');
      await store.append(Array.from({ length: 5 }, (_, i) => entry(100 + i)));
      expect(await trail.applyRetention()).toEqual({ deleted: 10 });
      expect(await store.readAfter(0, 100)).toHaveLength(5);
      expect(await trail.verify()).toMatchObject({ ok: true, anchorSeq: 10, lastSeq: 15 });
      await trail.close();
    });

    it('records events through group commit, each publisher resolving once stored', async () => {
      const [store] = await open(1);
      if (!store) throw new Error('no store');
      const trail = new AuditTrail({ store, signer, config: auditConfig() });
      let committed = 0;
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          trail
            .record({
              id: `ev-${i}`,
              type: 'auth.login.failed',
              time: Date.now(),
              outcome: 'failure',
              severity: 'warning',
              actor: { kind: 'anonymous' },
              details: { i },
            })
            .then(async () => {
              committed += 1;
              const found = await store.query({ order: 'asc', limit: 1000 });
              expect(found.some((r) => r.id === `ev-${i}`)).toBe(true);
            }),
        ),
      );
      expect(committed).toBe(200);
      await trail.close();
      await expect(
        trail.record({
          id: 'late',
          type: 'auth.logout',
          time: Date.now(),
          outcome: 'success',
          severity: 'info',
          actor: { kind: 'system' },
          details: {},
        }),
      ).rejects.toThrow();
    });
  });
}

describe('SqlAuditStore on one SQLite file shared by two processes', () => {
  // Two connections in one process would deadlock on better-sqlite3's synchronous busy
  // wait; real processes (a server and the CLI) are what shares a file.
  it('serialises appends from two processes without losing or forking records', async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'rampart-audit-')), 'shared.db')}`;
    const setup = openDatabase(url);
    await migrateToLatest(setup);
    await setup.close();
    const dist = new URL('../../../dist/', import.meta.url).href;
    const script = `
      const { openDatabase } = await import('${dist}storage/database.js');
      const { SqlAuditStore } = await import('${dist}storage/sql/sql-audit-store.js');
      const h = openDatabase(process.env.URL);
      const store = new SqlAuditStore(h.db, h.dialect);
      const entry = (i) => ({ id: 'p' + process.pid + '-' + i, time: Date.now(),
        actor: { kind: 'system', id: null, ip: null, userAgent: null, apiKeyId: null },
        action: 'auth.logout', target: null, outcome: 'success', severity: 'info',
        environment: 'development', requestId: null, risk: 2, details: { i } });
      for (let i = 0; i < 40; i++) await store.append([entry(i), entry(1000 + i)]);
      await h.close();
      process.stdout.write('DONE\\n');
    `;
    const children = [0, 1].map(() =>
      spawnNode(['--input-type=module', '-e', script], { env: { URL: url } }),
    );
    for (const child of children) {
      const { code } = await child.exit();
      expect(code, child.output()).toBe(0);
    }
    const check = openDatabase(url);
    try {
      const store = new SqlAuditStore(check.db, check.dialect);
      expect(await verifyAuditStore(store, trusted)).toMatchObject({ ok: true, lastSeq: 160 });
    } finally {
      await check.close();
    }
  }, 30_000);
});
