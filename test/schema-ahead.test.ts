import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationTable } from '../src/storage/migrate.js';
import { testDatabaseKinds } from './support/test-databases.js';
import { startTestRampart, type TestRampart } from './support/test-rampart.js';

/**
 * A rolling upgrade: the first node on a new version migrates the shared database, while
 * nodes still on the old version keep running. Those nodes must leave the load balancer's
 * rotation (readiness fails, naming the migrations they do not know) but stay alive, so
 * that an orchestrator replaces them instead of restarting them in a loop; their restart
 * is refused (test/cli.test.ts, "refuses to start against a schema newer than the code").
 */

interface MigrationRows {
  [migrationTable]: { name: string; timestamp: string };
}

for (const kind of testDatabaseKinds()) {
  describe(`a running node whose database a newer Rampart migrated: ${kind}`, () => {
    let r: TestRampart;
    beforeAll(async () => {
      r = await startTestRampart({ database: kind });
    });
    afterAll(async () => r?.close());

    it('is ready before, then fails readiness with the unknown migration counted, and stays alive', async () => {
      const before = await r.app.inject({ method: 'GET', url: '/health/ready' });
      expect(before.statusCode).toBe(200);

      await (r.database.db as unknown as Kysely<MigrationRows>)
        .insertInto(migrationTable)
        .values({ name: '9999_from_a_newer_rampart', timestamp: new Date().toISOString() })
        .execute();

      const after = await r.app.inject({ method: 'GET', url: '/health/ready' });
      expect(after.statusCode).toBe(503);
      const check = after.json<{
        checks: Record<string, { status: string; observedValue: unknown }[]>;
      }>().checks['database:migrations']?.[0];
      expect(check).toMatchObject({ status: 'fail', observedValue: 1 });

      const live = await r.app.inject({ method: 'GET', url: '/health' });
      expect(live.statusCode).toBe(200);
    });
  });
}
