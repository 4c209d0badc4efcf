import { compareTargets, compareThroughput } from '../lib/compare-targets.js';
import { publishedKeyOf } from '../lib/published-key.js';
import { expectJson, logIn } from '../lib/rampart-client.js';
import { startServer } from '../lib/server-process.js';

export const name = 'me-endpoint';
export const description =
  'GET /v1/me with a valid ES256 access token: Rampart vs a bare Fastify route vs express + helmet + jsonwebtoken';

const servers = {
  rampart: new URL('../servers/rampart-server.js', import.meta.url),
  fastify: new URL('../servers/fastify-server.js', import.meta.url),
  express: new URL('../servers/express-server.js', import.meta.url),
};

/** The client's side of the setup: log in, fetch the public keys, read /v1/me once. */
async function loginToRampart(rampart) {
  const token = await logIn(rampart);
  const jwk = await publishedKeyOf(rampart, token);
  if (jwk.alg !== 'ES256') throw new Error('the token was not signed by a published ES256 key');
  const body = await expectJson(
    await fetch(`${rampart.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } }),
    'GET /v1/me',
  );
  return { token, jwk, body };
}

/**
 * Fairness checks before any load: every server answers the same request with the same
 * bytes, and both servers that authenticate refuse a token with a broken signature.
 * Returns the shared body.
 */
async function checkEquivalence(targets, token) {
  const [header, payload, signature] = token.split('.');
  const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
  const forged = `${header}.${payload}.${flipped}`;
  let reference;
  for (const target of targets) {
    const response = await fetch(target.request.url, { headers: target.request.headers });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${target.label}: HTTP ${response.status}`);
    reference ??= text;
    if (text !== reference) {
      throw new Error(`${target.label} returns a different body:\n${text}\n≠\n${reference}`);
    }
    if (target.authenticates) {
      const refused = await fetch(target.request.url, {
        headers: { authorization: `Bearer ${forged}` },
      });
      await refused.arrayBuffer();
      if (refused.status !== 401) {
        throw new Error(`${target.label} accepted a forged token (HTTP ${refused.status})`);
      }
    }
  }
  return reference;
}

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const started = [];
  try {
    log('  starting Rampart');
    const rampart = await startServer(servers.rampart, {
      stdout: settings.logFile,
      execArgv: settings.cpuProfile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${new URL('../results/profiles/', import.meta.url).pathname}`,
          ]
        : [],
    });
    started.push(rampart);
    const { token, jwk, body } = await loginToRampart(rampart);

    log('  starting bare Fastify and Express');
    const fastify = await startServer(servers.fastify, { input: { body } });
    started.push(fastify);
    const express = await startServer(servers.express, {
      input: { body, jwk, issuer: rampart.info.issuer, audience: rampart.info.audience },
    });
    started.push(express);

    // The same request bytes go to every server, token included.
    const headers = { authorization: `Bearer ${token}` };
    const targets = [
      { id: 'rampart', label: 'Rampart', server: rampart, authenticates: true },
      { id: 'fastify', label: 'bare Fastify', server: fastify, authenticates: false },
      { id: 'express', label: 'Express+helmet+jsonwebtoken', server: express, authenticates: true },
    ].map((t) => ({ ...t, request: { url: `${t.server.url}/v1/me`, headers } }));
    const sharedBody = await checkEquivalence(targets, token);

    const results = await compareTargets(targets, settings, log);
    return {
      targets: results,
      comparisons: [
        compareThroughput(results, 'rampart', 'fastify', 0.7),
        compareThroughput(results, 'rampart', 'express', 2.0),
      ],
      notes: [
        `Rampart logs at its default level (${rampart.info.logLevel}), one line per request, to ${settings.logFile}.`,
        'Bare Fastify and Express write no logs.',
        `All three return the same ${Buffer.byteLength(sharedBody)}-byte JSON body for the same request and token (checked before the run).`,
        'Rampart verifies the ES256 signature once and remembers the token; jsonwebtoken verifies it on every request.',
        'Rampart serves the account from its cache (invalidated on every node by pub/sub on change); the others return a constant.',
        ...(settings.cpuProfile ? ['Rampart ran under --cpu-prof; see results/profiles/.'] : []),
      ],
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}
