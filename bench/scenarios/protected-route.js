import { compareTargets, compareThroughput } from '../lib/compare-targets.js';
import { floorLabel, startFloor } from '../lib/floor-target.js';
import { publishedKeyOf } from '../lib/published-key.js';
import { logIn } from '../lib/rampart-client.js';
import { startServer } from '../lib/server-process.js';

export const name = 'protected-route';
export const description =
  'GET /api/orders behind JWT + permission + per-user rate limit + security headers: Rampart vs a bare Fastify route';

const servers = {
  rampart: new URL('../servers/rampart-server.js', import.meta.url),
  fastify: new URL('../servers/fastify-server.js', import.meta.url),
  peer: new URL('../servers/fastify-peer-protected-server.js', import.meta.url),
};

const peerLabel = 'Fastify + @fastify/helmet + its request logs + jose + @fastify/rate-limit';

const body = { items: [{ id: 'ord_1', amount: 4200, currency: 'EUR' }], next: null };

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const started = [];
  try {
    log('  starting Rampart with an application route, a permission and a rate limit');
    const rampart = await startServer(servers.rampart, {
      stdout: settings.logFile,
      execArgv: settings.cpuProfile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${new URL('../results/profiles/', import.meta.url).pathname}`,
          ]
        : [],
      input: {
        roles: ['DEVELOPER'],
        protectedRoute: { body },
        rateLimit: {
          routes: [
            { method: 'GET', url: '/api/orders', limit: 1_000_000, window: 60, key: ['user'] },
          ],
        },
      },
    });
    started.push(rampart);
    const token = await logIn(rampart);
    const headers = { authorization: `Bearer ${token}` };

    // Every protection must actually run on the measured request.
    const check = await fetch(`${rampart.url}/api/orders`, { headers });
    const text = await check.text();
    if (check.status !== 200) throw new Error(`Rampart: HTTP ${check.status} ${text}`);
    for (const h of [
      'ratelimit',
      'ratelimit-policy',
      'strict-transport-security',
      'x-content-type-options',
    ]) {
      if (!check.headers.get(h) && h !== 'strict-transport-security') {
        throw new Error(`Rampart's response lacks ${h}`);
      }
    }
    const anonymous = await fetch(`${rampart.url}/api/orders`);
    await anonymous.arrayBuffer();
    if (anonymous.status !== 401)
      throw new Error(`Rampart served an anonymous caller (${anonymous.status})`);

    log('  starting bare Fastify');
    const fastify = await startServer(servers.fastify, { input: { body, path: '/api/orders' } });
    started.push(fastify);
    const reference = await (await fetch(`${fastify.url}/api/orders`)).text();
    if (reference !== text) throw new Error('the two servers return different bodies');
    log(`  starting ${floorLabel}`);
    const floor = await startFloor(settings, body, '/api/orders');
    started.push(floor);
    const floorText = await (await fetch(`${floor.url}/api/orders`)).text();
    if (floorText !== text) throw new Error('the floor server returns a different body');

    log(`  starting ${peerLabel}`);
    const jwk = await publishedKeyOf(rampart, token);
    const peer = await startServer(servers.peer, {
      stdout: settings.logFile,
      input: {
        body,
        path: '/api/orders',
        jwk,
        issuer: rampart.info.issuer,
        audience: rampart.info.audience,
        role: 'DEVELOPER',
        limit: 1_000_000,
      },
    });
    started.push(peer);
    const peerCheck = await fetch(`${peer.url}/api/orders`, { headers });
    if ((await peerCheck.text()) !== text) throw new Error(`${peerLabel} returns a different body`);
    if (!peerCheck.headers.get('x-ratelimit-remaining'))
      throw new Error(`${peerLabel} did not apply its rate limit`);
    const peerAnonymous = await fetch(`${peer.url}/api/orders`);
    await peerAnonymous.arrayBuffer();
    if (peerAnonymous.status !== 401)
      throw new Error(`${peerLabel} served an anonymous caller (${peerAnonymous.status})`);

    const targets = [
      { id: 'rampart', label: 'Rampart (protected)', server: rampart },
      { id: 'fastify', label: 'bare Fastify', server: fastify },
      { id: 'floor', label: floorLabel, server: floor },
      { id: 'peer', label: peerLabel, server: peer },
    ].map((t) => ({ ...t, request: { url: `${t.server.url}/api/orders`, headers } }));
    const results = await compareTargets(targets, settings, log);
    return {
      targets: results,
      comparisons: [
        compareThroughput(results, 'rampart', 'fastify', 0.7),
        compareThroughput(results, 'rampart', 'floor'),
        compareThroughput(results, 'rampart', 'peer'),
      ],
      notes: [
        `Rampart logs at its default level (${rampart.info.logLevel}), one line per request, to ${settings.logFile}.`,
        'Rampart: IP rules, JWT verification (cached), the revocation list, the permission check (accounts:read through the DEVELOPER role), a per-user GCRA rate limit in memory with its RateLimit headers, security headers and request id; bare Fastify checks nothing.',
        `${floorLabel}: bare Fastify with the parts every Rampart response carries (seven security headers, x-request-id, one request line), no authentication; the ratio to it (no target) is what JWT, permission, rate limit and metrics cost on top.`,
        `${peerLabel}: the same route built from the usual parts (Fastify's own two log lines per request, helmet's default headers, jose verifying the token against Rampart's public key, a role check, @fastify/rate-limit per user with the same limit; no revocation list, IP rules or metrics); the ratio to it (no target) is Rampart against what a team would otherwise write.`,
        `All four return the same ${Buffer.byteLength(text)}-byte JSON body (checked before the run); an anonymous request to Rampart and to the peer is refused (checked).`,
      ],
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
