import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer } from '../lib/server-process.js';

export const name = 'refresh-rotation';
export const description =
  'POST /v1/auth/refresh in closed loops (each refresh spends the previous token): refreshes/s on a SQLite file and on PostgreSQL';

const server = new URL('../servers/rampart-identity-server.js', import.meta.url);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Each loop owns one session and refreshes it as fast as the server answers. */
async function closedLoops(url, tokens, seconds) {
  const latencies = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    tokens.map(async (initial) => {
      let token = initial;
      while (performance.now() < deadline) {
        const start = performance.now();
        const res = await fetch(`${url}/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: token }),
        });
        const body = await res.json();
        if (res.status !== 200) {
          failures++;
          throw new Error(`refresh failed: HTTP ${res.status} ${JSON.stringify(body)}`);
        }
        token = body.refresh_token;
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    failures,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function measure(label, id, databaseUrl, settings, log) {
  log(`  ${label}: starting Rampart`);
  const rampart = await startServer(server, {
    input: { users: settings.connections, databaseUrl },
    execArgv: settings.cpuProfile
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${new URL('../results/profiles/', import.meta.url).pathname}`,
        ]
      : [],
  });
  try {
    const tokens = [];
    for (const u of rampart.info.users) {
      const res = await fetch(`${rampart.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: u.email, password: u.password }),
      });
      tokens.push((await res.json()).refresh_token);
    }
    if (settings.warmup > 0) {
      log(`  ${label}: warm-up`);
      const warmed = await closedLoopsReturningTokens(rampart.url, tokens, settings.warmup);
      tokens.splice(0, tokens.length, ...warmed);
    }
    log(`  ${label}: ${tokens.length} sessions refreshing for ${settings.duration} s`);
    const cpuBefore = await rampart.cpuUsage();
    const result = await closedLoops(rampart.url, tokens, settings.duration);
    const cpuAfter = await rampart.cpuUsage();
    const cpu = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
    return {
      id,
      label,
      rps: result.count / settings.duration,
      p50: Math.round(result.p50 * 10) / 10,
      p99: Math.round(result.p99 * 10) / 10,
      cpuMicrosPerRequest: cpu / result.count,
      serverCpuShare: cpu / (settings.duration * 1e6),
    };
  } finally {
    await rampart.stop();
  }
}

/** Warm-up variant that hands back each loop's live token. */
async function closedLoopsReturningTokens(url, tokens, seconds) {
  const deadline = performance.now() + seconds * 1000;
  return Promise.all(
    tokens.map(async (initial) => {
      let token = initial;
      while (performance.now() < deadline) {
        const res = await fetch(`${url}/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: token }),
        });
        token = (await res.json()).refresh_token;
      }
      return token;
    }),
  );
}

export async function run({ settings, log }) {
  const targets = [];
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-'));
  try {
    targets.push(
      await measure(
        'SQLite file (WAL)',
        'sqlite',
        `sqlite:${join(dir, 'bench.db')}`,
        settings,
        log,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = process.env.BENCH_DATABASE_URL ?? process.env.RAMPART_TEST_DATABASE_URL;
  const notes = [
    'Each refresh looks up the token, checks the session, spends the token and stores the next in one transaction, and signs an access token.',
  ];
  if (base) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = new URL(base);
      url.searchParams.set('options', `-c search_path=${schema}`);
      targets.push(await measure('PostgreSQL', 'postgres', url.toString(), settings, log));
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  } else {
    notes.push('PostgreSQL skipped: set BENCH_DATABASE_URL (or RAMPART_TEST_DATABASE_URL).');
  }
  return { targets, comparisons: [], notes };
}
