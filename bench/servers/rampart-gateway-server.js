import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../dist/config/index.js';
import { createRampart } from '../../dist/rampart.js';
import { serveFromParent } from '../lib/server-child.js';

/**
 * Rampart as a gateway in front of `input.upstream`: GET /api/* needs a user access token
 * with the accounts:read permission and is rate limited per user (a limit no run reaches,
 * so the decision is made and the headers sent on every request); GET /open/* proxies
 * with no check at all. Otherwise as
 * rampart-server.js: in-memory SQLite, random master key, default logging to stdout.
 */
serveFromParent(async (input) => {
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: {
      host: '127.0.0.1',
      port: 0,
      masterKey: randomBytes(32).toString('base64'),
      databaseUrl: 'sqlite::memory:',
      jwt: { accessTokenTtl: 86_400 },
      gateway: {
        upstream: input.upstream,
        routes: [
          {
            method: 'GET',
            path: '/api/*',
            auth: 'jwt',
            permission: 'accounts:read',
            rateLimit: { limit: 1_000_000, window: 60, key: ['user'] },
          },
          // The same proxying without any check: what the protection itself costs.
          { method: 'GET', path: '/open/*', auth: 'none' },
        ],
      },
    },
  });
  const rampart = await createRampart(config);
  const email = 'gateway-load@example.com';
  const password = `correct horse ${randomBytes(12).toString('hex')} staple`;
  await rampart.accounts.createAccount(
    { email, password, roles: ['DEVELOPER'] },
    { kind: 'system' },
  );
  const url = await rampart.listen();
  return {
    url,
    info: { email, password, logLevel: config.log.level },
    close: () => rampart.close(),
  };
});
