import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { AuditTrail } from '../../dist/audit/audit-trail.js';
import { deriveCheckpointSigner } from '../../dist/audit/core/checkpoint-signer.js';
import { openDatabase } from '../../dist/storage/database.js';
import { migrateToLatest } from '../../dist/storage/migrate.js';
import { SqlAuditStore } from '../../dist/storage/sql/sql-audit-store.js';

export const name = 'audit-ingest';
export const description =
  'Audit trail ingestion with group commit (hash chain, one transaction per batch): events/s and commit latency on SQLite and PostgreSQL';

const maxSeconds = 3;
const wave = 5000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function round3(ms) {
  return Math.round(ms * 1000) / 1000;
}

let counter = 0;
function event() {
  counter += 1;
  return {
    id: `bench-${counter}`,
    type: 'auth.login.failed',
    time: Date.now(),
    outcome: 'failure',
    severity: 'warning',
    actor: { kind: 'anonymous', ip: '198.51.100.7', userAgent: 'bench/1.0' },
    target: { type: 'account' },
    requestId: `req-${counter}`,
    details: { reason: 'unknown_account', attempt: counter },
  };
}

/** `inFlight` publishers each await their event's commit before publishing the next. */
async function measure(trail, inFlight, seconds) {
  const latencies = [];
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let events = 0;
  const publisher = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await trail.record(event());
      latencies.push(performance.now() - t0);
      events += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, publisher));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  latencies.sort((a, b) => a - b);
  return {
    rps: events / (elapsedMs / 1000),
    p50: round3(percentile(latencies, 0.5)),
    p99: round3(percentile(latencies, 0.99)),
    cpuMicrosPerRequest: (cpu.user + cpu.system) / events,
    serverCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    events,
  };
}

function config(flushDelayMs) {
  return {
    env: 'production',
    audit: {
      enabled: true,
      flushDelayMs,
      maxBatch: 1000,
      checkpointEvery: 100_000,
      checkpointInterval: 60,
      retentionDays: 0,
      riskBase: [],
      trustedKeys: [],
    },
  };
}

async function runTargets(handle, label, targets, seconds) {
  await migrateToLatest(handle);
  const signer = deriveCheckpointSigner(randomBytes(32));
  for (const [flushDelayMs, inFlight] of [
    [0, wave],
    [2, wave],
    [0, 1],
    [2, 1],
  ]) {
    const trail = new AuditTrail({
      store: new SqlAuditStore(handle.db, handle.dialect),
      signer,
      config: config(flushDelayMs),
    });
    const result = await measure(trail, inFlight, seconds);
    await trail.close();
    targets.push({
      id: `${label}-delay${flushDelayMs}-${inFlight}`,
      label: `${label}, flush delay ${flushDelayMs} ms, ${inFlight} in flight`,
      ...result,
    });
  }
  const verified = await new AuditTrail({
    store: new SqlAuditStore(handle.db, handle.dialect),
    signer,
    config: config(0),
  }).verify();
  return verified;
}

export async function run({ settings, log }) {
  const seconds = Math.min(settings.duration, maxSeconds);
  const targets = [];
  const notes = [];

  const dir = mkdtempSync(join(tmpdir(), 'rampart-audit-bench-'));
  const sqlite = openDatabase(`sqlite:${join(dir, 'audit.db')}`);
  try {
    log('  SQLite (WAL, synchronous NORMAL)');
    const v = await runTargets(sqlite, 'SQLite', targets, seconds);
    notes.push(`SQLite chain after the run: ${v.ok ? 'intact' : 'BROKEN'}, ${v.checked} records.`);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const base = process.env.BENCH_DATABASE_URL || process.env.RAMPART_TEST_DATABASE_URL;
  if (base) {
    const schema = `audit_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    try {
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const url = new URL(base);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const postgres = openDatabase(url.toString());
      try {
        log('  PostgreSQL');
        const v = await runTargets(postgres, 'PostgreSQL', targets, seconds);
        notes.push(
          `PostgreSQL chain after the run: ${v.ok ? 'intact' : 'BROKEN'}, ${v.checked} records.`,
        );
      } finally {
        await postgres.close();
        await admin.query(`drop schema ${schema} cascade`);
      }
    } catch (error) {
      notes.push(`PostgreSQL skipped: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await admin.end().catch(() => {});
    }
  } else {
    notes.push('PostgreSQL skipped: set BENCH_DATABASE_URL or RAMPART_TEST_DATABASE_URL.');
  }

  const best = targets.find((t) => t.id === 'SQLite-delay0-5000');
  const comparisons = best
    ? [
        {
          label: 'SQLite events/s / 100,000',
          ratio: best.rps / 100_000,
          minimum: 1,
          pass: best.rps >= 100_000,
        },
      ]
    : [];
  notes.push(
    'Each event goes through the AuditTrail as the bus delivers it: risk score, canonical JSON, SHA-256 chain, batched INSERT and chain-head update in one transaction.',
    `Columns: req/s are events/s; p50/p99 are ms from record() to commit; ${wave} in flight = that many publishers each awaiting its own event; at most ${maxSeconds} s per target.`,
  );
  return { targets, comparisons, notes };
}
