import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { bearer, createAdmin } from '../support/http-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

/**
 * Two nodes on one PostgreSQL schema: each runs its own checks (here a tcp check of a
 * closed port, and the Redis they share) and records its runs and changes under its own
 * node id; the history of either node's API shows both.
 */
describe.skipIf(!clustered)('health checks in a cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let nodes: TestRampart[];
  let admin: string;

  beforeAll(async () => {
    const closed = await freePort();
    cluster = await startCluster(2, {
      health: {
        builtins: false,
        failureThreshold: 1,
        interval: 3600,
        checks: [
          { type: 'tcp', name: 'closed-port', host: '127.0.0.1', port: closed },
          { type: 'redis', name: 'shared-redis' },
        ],
      },
    });
    nodes = cluster.nodes;
    admin = (await createAdmin(nodes[0] as TestRampart)).token;
  }, 60_000);
  afterAll(async () => cluster?.close());

  it('runs the checks on every node and records each under its own node id', async () => {
    const [a, b] = nodes as [TestRampart, TestRampart];
    expect(a.health?.nodeId).not.toBe(b.health?.nodeId);
    await Promise.all([a.health?.monitor.runAll(), b.health?.monitor.runAll()]);
    await Promise.all([a.health?.close(), b.health?.close()]);

    for (const node of [a, b]) {
      const report = (
        await node.app.inject({ method: 'GET', url: '/v1/health/checks', headers: bearer(admin) })
      ).json<{ health: string; nodeId: string; checks: Record<string, { status: string }[]> }>();
      expect(report.nodeId).toBe(node.health?.nodeId);
      expect(report.health).toBe('degraded');
      expect(report.checks['shared-redis:responseTime']?.[0]?.status).toBe('pass');
    }

    const res = await b.app.inject({
      method: 'GET',
      url: '/v1/health/history?check=closed-port&changes=true',
      headers: bearer(admin),
    });
    const entries = res.json<{ entries: { nodeId: string; status: string }[] }>().entries;
    expect(entries.map((e) => e.nodeId).sort()).toEqual(
      [a.health?.nodeId, b.health?.nodeId].sort(),
    );
    expect(entries.every((e) => e.status === 'fail')).toBe(true);
    const onlyA = await b.app.inject({
      method: 'GET',
      url: `/v1/health/history?check=closed-port&node=${encodeURIComponent(a.health?.nodeId ?? '')}`,
      headers: bearer(admin),
    });
    expect(
      onlyA
        .json<{ entries: { nodeId: string }[] }>()
        .entries.every((e) => e.nodeId === a.health?.nodeId),
    ).toBe(true);
  });
});
