import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { startServer } from '../lib/server-process.js';

export const name = 'login-flood';
export const description =
  'POST /v1/auth/login at full load (argon2id, OWASP minimum) against the ideal of cores / hash time, while GET /health must keep p99 < 10 ms';

const server = new URL('../servers/rampart-identity-server.js', import.meta.url);

/** One argon2id verification, timed alone: the unit the ideal is built from. */
async function hashTimeMs(params) {
  const stored = await hash('a long enough password for timing', { algorithm: 2, ...params });
  for (let i = 0; i < 3; i++) await verify(stored, 'a long enough password for timing');
  const n = 20;
  const start = performance.now();
  for (let i = 0; i < n; i++) await verify(stored, 'a long enough password for timing');
  return (performance.now() - start) / n;
}

function run1(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export async function run({ settings, log }) {
  log('  starting Rampart');
  const connections = Math.max(4, availableParallelism() * 4);
  // One account per connection: the lockout budget counts attempts in flight per account,
  // so more than five simultaneous logins to one account are refused by design.
  const rampart = await startServer(server, { input: { users: connections } });
  try {
    const { users, argon2 } = rampart.info;
    const cores = availableParallelism();
    const perHash = await hashTimeMs(argon2);
    const ideal = (cores * 1000) / perHash;
    log(
      `  argon2id m=${argon2.memoryCost} t=${argon2.timeCost} p=${argon2.parallelism}: ${perHash.toFixed(1)} ms per verification; ideal ${ideal.toFixed(0)} logins/s on ${cores} cores`,
    );

    const bodies = users.map((u) => JSON.stringify({ email: u.email, password: u.password }));
    let next = 0;
    const login = {
      url: `${rampart.url}/v1/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[0],
      setupClient: (client) => client.setBody(bodies[next++ % bodies.length]),
      connections,
      pipelining: 1,
      timeout: 30,
    };
    const health = { url: `${rampart.url}/health`, connections: 2, pipelining: 1, timeout: 10 };
    if (settings.warmup > 0) {
      log('  warm-up');
      await run1({ ...login, duration: settings.warmup });
    }
    log('  login flood with concurrent /health probes');
    const cpuBefore = await rampart.cpuUsage();
    const [flood, probe] = await Promise.all([
      run1({ ...login, duration: settings.duration }),
      run1({ ...health, duration: settings.duration }),
    ]);
    const cpuAfter = await rampart.cpuUsage();
    for (const [what, r] of [
      ['login', flood],
      ['health', probe],
    ]) {
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
        throw new Error(
          `${what}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodeStats)}), ${r.errors} errors, ${r.timeouts} timeouts`,
        );
    }
    const cpuMicros = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
    const targets = [
      {
        id: 'login',
        label: 'POST /v1/auth/login (flood)',
        rps: flood.requests.average,
        p50: flood.latency.p50,
        p99: flood.latency.p99,
        cpuMicrosPerRequest: cpuMicros / (flood.requests.total + probe.requests.total),
        serverCpuShare: cpuMicros / (flood.duration * 1e6),
      },
      {
        id: 'health',
        label: 'GET /health during the flood',
        rps: probe.requests.average,
        p50: probe.latency.p50,
        p99: probe.latency.p99,
      },
    ];
    return {
      targets,
      comparisons: [
        {
          label: 'logins/s / ideal (cores / hash time)',
          ratio: flood.requests.average / ideal,
          minimum: 0.5,
          pass: flood.requests.average / ideal >= 0.5,
        },
        {
          label: 'health p99 budget 10 ms / measured p99',
          ratio: 10 / Math.max(probe.latency.p99, 0.001),
          minimum: 1,
          pass: probe.latency.p99 < 10,
        },
      ],
      notes: [
        `ideal = ${cores} cores / ${perHash.toFixed(1)} ms per argon2id verification = ${ideal.toFixed(0)} logins/s; the load generator shares those cores.`,
        'Each login verifies a password, creates a session and a refresh token, and signs an access token.',
        'argon2id runs on the libuv thread pool, so the event loop keeps answering /health.',
      ],
      ideal,
      hashTimeMs: perHash,
    };
  } finally {
    await rampart.stop();
  }
}
