import { issueKey } from '../lib/api-key-client.js';
import { compareTargets } from '../lib/compare-targets.js';
import { startServer } from '../lib/server-process.js';

export const name = 'api-key-breakdown';
export const description =
  'What an API-key request costs, part by part: Rampart as shipped, then with the request log, metrics and rate limits switched off one after another, beside bare Fastify';

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
