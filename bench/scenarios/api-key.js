import { compareTargets, compareThroughput } from '../lib/compare-targets.js';
import { floorLabel, startFloor } from '../lib/floor-target.js';
import { issueKey } from '../lib/rampart-client.js';
import { startServer } from '../lib/server-process.js';

export const name = 'api-key';
export const description =
  'GET /v1/auth/whoami with an API key (Authorization: Bearer rmp_…): Rampart vs a bare Fastify route';

const servers = {
  rampart: new URL('../servers/rampart-server.js', import.meta.url),
  fastify: new URL('../servers/fastify-server.js', import.meta.url),
  peer: new URL('../servers/fastify-peer-server.js', import.meta.url),
};

const peerLabel = 'Fastify + @fastify/helmet + its request logs + a key lookup';

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const started = [];
  try {
    log('  starting Rampart');
    const rampart = await startServer(servers.rampart, {
      stdout: settings.logFile,
      input: { roles: ['DEVELOPER'] },
      execArgv: settings.cpuProfile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${new URL('../results/profiles/', import.meta.url).pathname}`,
          ]
        : [],
    });
    started.push(rampart);
    const { key, body } = await issueKey(rampart);

    log('  starting bare Fastify');
    const fastify = await startServer(servers.fastify, {
      input: { body, path: '/v1/auth/whoami' },
    });
    started.push(fastify);
    log(`  starting ${floorLabel}`);
    const floor = await startFloor(settings, body, '/v1/auth/whoami');
    started.push(floor);
    log(`  starting ${peerLabel}`);
    const peer = await startServer(servers.peer, {
      stdout: settings.logFile,
      input: { body, path: '/v1/auth/whoami', key },
    });
    started.push(peer);

    const headers = { authorization: `Bearer ${key}` };
    const targets = [
      { id: 'rampart', label: 'Rampart (API key)', server: rampart },
      { id: 'fastify', label: 'bare Fastify', server: fastify },
      { id: 'floor', label: floorLabel, server: floor },
      { id: 'peer', label: peerLabel, server: peer },
    ].map((t) => ({ ...t, request: { url: `${t.server.url}/v1/auth/whoami`, headers } }));

    // Fairness: the same bytes back from all four, and both key checks refuse a
    // one-character typo.
    let reference;
    for (const target of targets) {
      const text = await (await fetch(target.request.url, { headers })).text();
      reference ??= text;
      if (text !== reference) throw new Error(`${target.label} returns a different body`);
    }
    const typo = `${key.slice(0, 12)}${key[12] === 'A' ? 'B' : 'A'}${key.slice(13)}`;
    for (const [label, server] of [
      ['Rampart', rampart],
      [peerLabel, peer],
    ]) {
      const refused = await fetch(`${server.url}/v1/auth/whoami`, {
        headers: { authorization: `Bearer ${typo}` },
      });
      await refused.arrayBuffer();
      if (refused.status !== 401)
        throw new Error(`${label} accepted a mistyped key (${refused.status})`);
    }

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
        'Bare Fastify writes no logs and checks nothing.',
        `${floorLabel}: bare Fastify with the parts every Rampart response carries (seven security headers, x-request-id, one request line), no authentication; the ratio to it (no target) is what the API-key check and the rest cost on top.`,
        `${peerLabel}: the same route built from the usual parts (Fastify's own two log lines per request, helmet's default headers, a SHA-256 of the key looked up in a Map; no revocation, scopes, IP rules, rate limits or metrics); the ratio to it (no target) is Rampart against what a team would otherwise write.`,
        `All four return the same ${Buffer.byteLength(reference)}-byte JSON body (checked before the run).`,
        'Rampart hashes the key (SHA-256) and finds it in its in-memory cache (a key not found there is parsed and its checksum checked before the store is asked), checks the revocation set in the hot store (memory here), the owner, the networks, and records the last use at most once a minute.',
      ],
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
