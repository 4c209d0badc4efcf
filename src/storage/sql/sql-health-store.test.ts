import { afterEach, describe, expect, it } from 'vitest';
import {
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import type { HealthHistoryEntry } from '../../monitor/store.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { DatabaseHandle } from '../database.js';
import { SqlHealthHistoryStore } from './sql-health-store.js';

function entry(over: Partial<HealthHistoryEntry> & { time: number }): HealthHistoryEntry {
  return {
    id: uuidv7(over.time),
    nodeId: 'node-a',
    kind: 'run',
    check: 'upstream',
    checkType: 'http',
    status: 'pass',
    previousStatus: null,
    observedValue: 12.5,
    observedUnit: 'ms',
    output: null,
    durationMs: 12.75,
    ...over,
  };
}

for (const kind of testDatabaseKinds()) {
  describe(`SqlHealthHistoryStore on ${kind}`, () => {
    let handle: DatabaseHandle | undefined;
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
    });

    async function open(): Promise<SqlHealthHistoryStore> {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      return new SqlHealthHistoryStore(handle.db);
    }

    it('stores entries as written and lists them newest first, filtered by check, node, time and kind', async () => {
      const store = await open();
      const t = 1_750_000_000_000;
      const written = [
        entry({ time: t }),
        entry({ time: t + 1, check: 'db', checkType: 'database', nodeId: 'node-b' }),
        entry({
          time: t + 2,
          kind: 'check_changed',
          status: 'fail',
          previousStatus: 'pass',
          observedValue: 'status 503',
          observedUnit: null,
          output: 'status 503',
          durationMs: null,
        }),
        entry({
          time: t + 3,
          kind: 'status_changed',
          check: null,
          checkType: null,
          status: 'warn',
          previousStatus: 'pass',
          observedValue: true,
          observedUnit: null,
          durationMs: null,
        }),
      ];
      await store.append(written);

      const all = await store.list({ limit: 10 });
      expect(all).toEqual([...written].reverse());
      expect((await store.list({ limit: 10, check: 'upstream' })).map((e) => e.time)).toEqual([
        t + 2,
        t,
      ]);
      expect((await store.list({ limit: 10, nodeId: 'node-b' })).map((e) => e.check)).toEqual([
        'db',
      ]);
      expect((await store.list({ limit: 10, since: t + 2 })).map((e) => e.time)).toEqual([
        t + 3,
        t + 2,
      ]);
      expect((await store.list({ limit: 10, changesOnly: true })).map((e) => e.kind)).toEqual([
        'status_changed',
        'check_changed',
      ]);
    });

    it('pages with a cursor and deletes entries older than the retention', async () => {
      const store = await open();
      const t = 1_750_000_000_000;
      await store.append(Array.from({ length: 5 }, (_, i) => entry({ time: t + i * 1000 })));
      const first = await store.list({ limit: 2 });
      const second = await store.list({ limit: 2, beforeId: first.at(-1)?.id as string });
      expect([...first, ...second].map((e) => e.time)).toEqual(
        [4, 3, 2, 1].map((i) => t + i * 1000),
      );
      expect(await store.deleteBefore(t + 2000)).toBe(2);
      expect((await store.list({ limit: 10 })).map((e) => e.time)).toEqual(
        [4, 3, 2].map((i) => t + i * 1000),
      );
    });

    it('treats a filter value as data, never as SQL', async () => {
      const store = await open();
      await store.append([entry({ time: 1 })]);
      expect(await store.list({ limit: 10, check: "x' or '1'='1" })).toEqual([]);
      expect(await store.list({ limit: 10 })).toHaveLength(1);
    });
  });
}
