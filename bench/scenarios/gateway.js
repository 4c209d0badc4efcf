import { compareTargets, compareThroughput } from '../lib/compare-targets.js';
import { logIn } from '../lib/rampart-client.js';
import { startServer } from '../lib/server-process.js';

export const name = 'gateway';
export const description =
  'GET /api/orders through Rampart as a gateway (JWT + permission + rate limit + signed identity headers) vs @fastify/http-proxy vs the upstream directly';

const servers = {
  upstream: new URL('../servers/upstream-server.js', import.meta.url),
  rampart: new URL('../servers/rampart-gateway-server.js', import.meta.url),
  proxy: new URL('../servers/http-proxy-server.js', import.meta.url),
};

const upstreamBody = {
  orders: [
    { id: 'ord_1', amount: 1200, currency: 'EUR', status: 'paid' },
    { id: 'ord_2', amount: 80, currency: 'EUR', status: 'pending' },
  ],
};

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const started = [];
  try {
    log('  starting the upstream, Rampart as a gateway and @fastify/http-proxy');
    const upstream = await startServer(servers.upstream, { input: { body: upstreamBody } });
    started.push(upstream);
    const rampart = await startServer(servers.rampart, {
      stdout: settings.logFile,
      input: { upstream: upstream.url },
      execArgv: settings.cpuProfile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${new URL('../results/profiles/', import.meta.url).pathname}`,
          ]
        : [],
    });
    started.push(rampart);
    const proxy = await startServer(servers.proxy, { input: { upstream: upstream.url } });
    started.push(proxy);
    const token = await logIn(rampart);

    const path = '/api/orders?status=all';
    const headers = { authorization: `Bearer ${token}` };
    const targets = [
      { id: 'rampart', label: 'Rampart gateway (JWT)', server: rampart },
      { id: 'proxy', label: '@fastify/http-proxy', server: proxy },
      { id: 'upstream', label: 'upstream directly', server: upstream },
    ].map((t) => ({ ...t, request: { url: `${t.server.url}${path}`, headers } }));
    // The same proxying on a route without checks: what the protection itself costs.
    targets.push({
      id: 'open',
      label: 'Rampart gateway (auth none)',
      server: rampart,
      request: { url: `${rampart.url}/open/orders?status=all`, headers },
    });

    // Fairness: the same bytes back through every path, and the gateway refuses no token.
    let reference;
    for (const target of targets) {
      const response = await fetch(target.request.url, { headers });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${target.label}: HTTP ${response.status}`);
      reference ??= text;
      if (text !== reference) throw new Error(`${target.label} returns a different body`);
    }
    const refused = await fetch(`${rampart.url}${path}`);
    await refused.arrayBuffer();
    if (refused.status !== 401) throw new Error(`the gateway let an anonymous call through`);

    const results = await compareTargets(targets, settings, log);
    return {
      targets: results,
      comparisons: [
        compareThroughput(results, 'rampart', 'proxy', 0.9),
        compareThroughput(results, 'open', 'proxy', 0),
        compareThroughput(results, 'rampart', 'upstream', 0),
      ],
      notes: [
        `Rampart logs at its default level (${rampart.info.logLevel}), one line per request, to ${settings.logFile}; @fastify/http-proxy writes no logs.`,
        'The gateway verifies the access token (verified once, then cached), checks the permission, decides a per-user rate limit in memory, strips hop-by-hop and x-rampart-* headers and signs the identity headers (HMAC-SHA256) on every request.',
        'Rampart gateway (auth none) is the same proxying without authentication, permission or rate limit: the difference to the JWT route is what the protection costs.',
        'Both proxies forward with undici keep-alive pools; all three servers share the machine with the load generator.',
        `Every path returns the same ${Buffer.byteLength(reference)}-byte body (checked before the run).`,
      ],
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
