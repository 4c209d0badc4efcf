import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../dist/config/index.js';
import { createRampart } from '../../dist/rampart.js';
import { serveFromParent } from '../lib/server-child.js';

/**
 * Rampart as it runs by default, except where a benchmark needs otherwise: an in-memory
 * SQLite database, a random master key, ES256 tokens (so jsonwebtoken can verify the
 * same token in the Express comparison) and a token lifetime that outlasts any run.
 * No logger is passed: Rampart logs at its default level to stdout, which the parent
 * points at /dev/null or a file.
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
      jwt: { algorithm: 'ES256', accessTokenTtl: 86_400 },
      ...(input?.rateLimit ? { rateLimit: input.rateLimit } : {}),
      // The api-key-breakdown scenario switches parts off to price each of them.
      ...(input?.overrides ?? {}),
    },
  });
  const rampart = await createRampart(config, {
    // The protected-route scenario: an application route behind Rampart's hooks.
    register: input?.protectedRoute
      ? async (app) => {
          app.get(
            '/api/orders',
            { preHandler: app.rampartAuth.requirePermission('accounts:read') },
            async () => input.protectedRoute.body,
          );
        }
      : undefined,
  });
  const email = 'load-test@example.com';
  const password = `correct horse ${randomBytes(12).toString('hex')} staple`;
  await rampart.accounts.createAccount(
    { email, password, roles: input?.roles ?? [] },
    { kind: 'system' },
  );
  const url = await rampart.listen();
  return {
    url,
    info: {
      email,
      password,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      logLevel: config.log.level,
    },
    close: () => rampart.close(),
  };
});
