import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../dist/config/index.js';
import { createRampart } from '../../dist/rampart.js';
import { serveFromParent } from '../lib/server-child.js';

/**
 * Rampart with default identity settings (argon2id at OWASP's minimum, default lockout)
 * on the database the scenario names (SQLite in memory by default), with `users` accounts
 * created up front. Logs at warn level: these scenarios measure identity work, and the
 * request log's cost is measured by me-endpoint.
 */
serveFromParent(async (input) => {
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: {
      host: '127.0.0.1',
      port: 0,
      masterKey: randomBytes(32).toString('base64'),
      databaseUrl: input.databaseUrl ?? 'sqlite::memory:',
      log: { level: 'warn' },
      // A login flood from one address is the point of the scenario, not an attack.
      lockout: { ipMaxFailures: 100_000 },
    },
  });
  const rampart = await createRampart(config);
  const users = [];
  for (let i = 0; i < (input.users ?? 1); i++) {
    const email = `bench-${i}@example.com`;
    const password = `correct horse ${randomBytes(12).toString('hex')} staple`;
    await rampart.accounts.createAccount({ email, password, roles: [] }, { kind: 'system' });
    users.push({ email, password });
  }
  const url = await rampart.listen();
  return {
    url,
    info: { users, argon2: config.password.argon2, database: rampart.database.dialect },
    close: () => rampart.close(),
  };
});
