import { compareTargets } from '../lib/compare-targets.js';
import { startFloor } from '../lib/floor-target.js';
import { issueKey } from '../lib/rampart-client.js';
import { startServer } from '../lib/server-process.js';

export const name = 'api-key-breakdown';
export const description =
  'What an API-key request costs, part by part: Rampart as shipped, then with the request log, metrics and rate limits switched off one after another, beside bare Fastify with and without the parts every Rampart response carries';

const servers = {
  rampart: new URL('../servers/rampart-server.js', import.meta.url),
  fastify: new URL('../servers/fastify-server.js', import.meta.url),
};

/** Each variant switches off one more part than the one before it. */
const variants = [
  { id: 'default', label: 'Rampart as shipped', overrides: {} },
  { id: 'no-log', label: '… request log off', overrides: { log: { level: 'warn' } } },
  {
    id: 'no-metrics',
    label: '… and metrics off',
    overrides: { log: { level: 'warn' }, metrics: { enabled: false } },
  },
  {
    id: 'no-ratelimit',
    label: '… and rate limits off',
    overrides: {
      log: { level: 'warn' },
      metrics: { enabled: false },
      rateLimit: { enabled: false },
    },
  },
];

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const started = [];
  try {
    const targets = [];
    let body;
    for (const variant of variants) {
      log(`  starting Rampart: ${variant.label}`);
      const server = await startServer(servers.rampart, {
        stdout: settings.logFile,
        input: { roles: ['DEVELOPER'], overrides: variant.overrides },
      });
      started.push(server);
      const issued = await issueKey(server);
      const headers = { authorization: `Bearer ${issued.key}` };
      body ??= issued.body;
      targets.push({
        id: variant.id,
        label: variant.label,
        server,
        request: { url: `${server.url}/v1/auth/whoami`, headers },
      });
    }
    log('  starting bare Fastify');
    const fastify = await startServer(servers.fastify, {
      input: { body, path: '/v1/auth/whoami' },
    });
    started.push(fastify);
    targets.push({
      id: 'fastify',
      label: 'bare Fastify',
      server: fastify,
      request: { url: `${fastify.url}/v1/auth/whoami`, headers: targets[0].request.headers },
    });

    // The floor under any Rampart request: bare Fastify with Rampart's security headers and
    // request id, then also a request line through Rampart's logger. No authentication,
    // limits or metrics.
    for (const [id, label, logLine] of [
      ['floor-headers', "bare Fastify + Rampart's headers", false],
      ['floor-log', "… and Rampart's request line", true],
    ]) {
      log(`  starting ${label}`);
      const floorServer = await startFloor(settings, body, '/v1/auth/whoami', { log: logLine });
      started.push(floorServer);
      targets.push({
        id,
        label,
        server: floorServer,
        request: { url: `${floorServer.url}/v1/auth/whoami`, headers: targets[0].request.headers },
      });
    }

    const results = await compareTargets(targets, settings, log);
    const floor = results.find((r) => r.id === 'fastify');
    const notes = [];
    for (let i = 0; i < variants.length; i++) {
      const here = results[i];
      const next = results[i + 1];
      if (here.cpuMicrosPerRequest === undefined || next?.cpuMicrosPerRequest === undefined)
        continue;
      notes.push(
        `${here.label}: ${here.cpuMicrosPerRequest.toFixed(1)} µs/request; the step to "${next.label}" saves ${(here.cpuMicrosPerRequest - next.cpuMicrosPerRequest).toFixed(1)} µs.`,
      );
    }
    for (const id of ['floor-headers', 'floor-log']) {
      const part = results.find((r) => r.id === id);
      if (floor && part) {
        notes.push(
          `${part.label}: ${(part.rps / floor.rps).toFixed(2)} of bare Fastify's req/s (${(floor.cpuMicrosPerRequest / part.cpuMicrosPerRequest).toFixed(2)} by CPU per request), before any authentication.`,
        );
      }
    }
    if (floor?.cpuMicrosPerRequest !== undefined) {
      notes.push(
        `A request at >= 0.70 of bare Fastify's throughput may cost about ${(floor.cpuMicrosPerRequest / 0.7).toFixed(1)} µs of server CPU.`,
      );
    }
    return { targets: results, comparisons: [], notes };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
