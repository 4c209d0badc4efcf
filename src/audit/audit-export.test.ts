import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { exportAuditRecords } from './audit-export.js';
import { verifyExportLines } from './core/export-verifier.js';

async function publishFailures(rampart: TestRampart, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await rampart.events.publish({
      type: 'auth.login.failed',
      outcome: 'failure',
      actor: { kind: 'anonymous', ip: `198.51.100.${i}` },
      target: { type: 'account' },
      details: { attempt: i },
    });
  }
}

describe.each(testDatabaseKinds())('audit export on %s', (database) => {
  let r: TestRampart | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('stops at the checkpoint it was taken at, so records written meanwhile keep it verifiable', async () => {
    r = await startTestRampart({ database });
    const audit = r.audit;
    if (!audit) throw new Error('audit trail disabled');
    await publishFailures(r, 5);
    const checkpoint = await audit.checkpoint('export');
    if (!checkpoint) throw new Error('empty chain');
    // Events keep coming while the export streams.
    await publishFailures(r, 3);
    expect((await audit.store.head()).seq).toBe(checkpoint.seq + 3);

    const lines: string[] = [];
    for await (const chunk of exportAuditRecords(audit.store, {}, 'jsonl', checkpoint, 2)) {
      lines.push(...chunk.split('\n'));
    }
    async function* linesOf() {
      yield* lines;
    }
    expect(await verifyExportLines(linesOf(), audit.trustedKeys)).toMatchObject({
      ok: true,
      lastSeq: checkpoint.seq,
      lastCheckpointSeq: checkpoint.seq,
    });
  });
});
