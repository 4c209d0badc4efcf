/*
 * Attack: someone with write access to the database (a rogue administrator, an attacker
 * with stolen credentials) edits the audit trail to hide what they did: changes a
 * record's details, deletes a record, inserts a forged one, swaps two records, or cuts
 * off the newest records. Each must be detected, naming the first bad sequence number,
 * on every database.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { AuditTrail } from './audit-trail.js';

function auditOf(rampart: TestRampart): AuditTrail {
  if (!rampart.audit) throw new Error('audit trail disabled');
  return rampart.audit;
}

async function publishFailures(rampart: TestRampart, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await rampart.events.publish({
      type: 'auth.login.failed',
      outcome: 'failure',
      actor: { kind: 'anonymous', ip: `198.51.100.${i % 250}` },
      target: { type: 'account' },
      requestId: `req-${i}`,
      details: { reason: 'unknown_account', attempt: i },
    });
  }
}

for (const database of testDatabaseKinds()) {
  describe(`audit chain tampering on ${database}`, () => {
    let rampart: TestRampart | undefined;
    afterEach(async () => {
      await rampart?.close();
      rampart = undefined;
    });

    async function chainOf(n: number, checkpointAt?: number) {
      rampart = await startTestRampart({ database });
      const audit = auditOf(rampart);
      await publishFailures(rampart, checkpointAt ?? n);
      if (checkpointAt !== undefined) {
        await audit.checkpoint('manual');
        await publishFailures(rampart, n - checkpointAt);
      }
      const db = rampart.database.db;
      const base = (await audit.store.head()).seq - n;
      return { audit, db, base };
    }

    it('verifies an untouched chain', async () => {
      const { audit, base } = await chainOf(20, 10);
      const result = await audit.verify();
      expect(result.ok).toBe(true);
      expect(result.lastSeq).toBe(base + 20);
      // A checkpoint of the very last record is no truncation.
      await audit.checkpoint('manual');
      expect(await audit.verify()).toMatchObject({
        ok: true,
        lastSeq: base + 20,
        lastCheckpointSeq: base + 20,
      });
    });

    it('detects a modified detail', async () => {
      const { audit, db, base } = await chainOf(10);
      await sql`update audit_events set details = ${'{"reason":"nothing to see"}'} where seq = ${base + 4}`.execute(
        db,
      );
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'hash_mismatch',
        firstBadSeq: base + 4,
      });
    });

    it('detects a deleted middle record', async () => {
      const { audit, db, base } = await chainOf(10);
      await sql`delete from audit_events where seq = ${base + 5}`.execute(db);
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'missing_record',
        firstBadSeq: base + 5,
      });
    });

    it('detects a forged record appended at a new position', async () => {
      const { audit, db, base } = await chainOf(10);
      await sql`insert into audit_events (seq, id, time, actor_kind, action, outcome, severity, environment, risk, details, hash)
        values (${base + 11}, 'forged', 0, 'system', 'auth.login.succeeded', 'success', 'info', 'development', 0, '{}', ${'ab'.repeat(32)})`.execute(
        db,
      );
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'hash_mismatch',
        firstBadSeq: base + 11,
      });
    });

    it('detects a record inserted in the middle by renumbering the ones after it', async () => {
      const { audit, db, base } = await chainOf(10);
      // Make room at base+6 (shift in two steps so the primary key never collides).
      await sql`update audit_events set seq = seq + 1000 where seq >= ${base + 6}`.execute(db);
      await sql`update audit_events set seq = seq - 999 where seq >= ${base + 1006}`.execute(db);
      await sql`insert into audit_events (seq, id, time, actor_kind, action, outcome, severity, environment, risk, details, hash)
        select ${base + 6}, 'forged', time, actor_kind, action, outcome, severity, environment, risk, details, hash
        from audit_events where seq = ${base + 5}`.execute(db);
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'hash_mismatch',
        firstBadSeq: base + 6,
      });
    });

    it('detects two records whose contents were swapped', async () => {
      const { audit, db, base } = await chainOf(10);
      const a = base + 3;
      const b = base + 7;
      await sql`update audit_events set seq = -1 where seq = ${a}`.execute(db);
      await sql`update audit_events set seq = ${a} where seq = ${b}`.execute(db);
      await sql`update audit_events set seq = ${b} where seq = -1`.execute(db);
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'hash_mismatch',
        firstBadSeq: a,
      });
    });

    it('detects a tail deleted after a checkpoint, even with the chain head rewound', async () => {
      const { audit, db, base } = await chainOf(12, 8);
      await sql`delete from audit_events where seq > ${base + 5}`.execute(db);
      const kept = await sql<{
        hash: string;
      }>`select hash from audit_events where seq = ${base + 5}`.execute(db);
      await sql`update audit_chain_head set seq = ${base + 5}, hash = ${kept.rows[0]?.hash ?? ''}`.execute(
        db,
      );
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'truncated',
        firstBadSeq: base + 6,
      });
    });

    it('detects a chain rewritten with recomputed hashes at the next signed checkpoint', async () => {
      const { audit, db, base } = await chainOf(12, 8);
      // The forger changes record base+3 and recomputes every later hash correctly.
      const records = await audit.store.readAfter(0, 1000);
      const { recordHash, genesisHash } = await import('./core/audit-record.js');
      let previous = genesisHash;
      for (const r of records) {
        const entry = r.seq === base + 3 ? { ...r, details: { reason: 'rewritten' } } : r;
        const hash = recordHash(previous, r.seq, entry);
        await sql`update audit_events set details = ${JSON.stringify(entry.details)}, hash = ${hash} where seq = ${r.seq}`.execute(
          db,
        );
        previous = hash;
      }
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'checkpoint_mismatch',
      });
    });

    it('names the first record after the last checkpoint that still holds when a rewrite is caught at a later one', async () => {
      rampart = await startTestRampart({ database });
      const audit = auditOf(rampart);
      await publishFailures(rampart, 3);
      const kept = await audit.checkpoint('manual');
      await publishFailures(rampart, 5);
      const caught = await audit.checkpoint('manual');
      await publishFailures(rampart, 2);
      if (!kept || !caught) throw new Error('no checkpoint');
      const db = rampart.database.db;
      // The forger changes the first record after the earlier checkpoint and recomputes
      // every later hash correctly; only the later checkpoint can tell.
      const records = await audit.store.readAfter(0, 1000);
      const { recordHash, genesisHash } = await import('./core/audit-record.js');
      let previous = genesisHash;
      for (const r of records) {
        const entry = r.seq === kept.seq + 1 ? { ...r, details: { reason: 'rewritten' } } : r;
        const hash = recordHash(previous, r.seq, entry);
        if (r.seq > kept.seq)
          await sql`update audit_events set details = ${JSON.stringify(entry.details)}, hash = ${hash} where seq = ${r.seq}`.execute(
            db,
          );
        previous = hash;
      }
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'checkpoint_mismatch',
        firstBadSeq: kept.seq + 1,
      });
    });

    it('starts from the newest retention anchor after retention ran more than once', async () => {
      const started = await startTestRampart({ database });
      rampart = started;
      const audit = auditOf(started);
      const day = 86_400_000;
      // Retention as it would run 40 and then 80 days from now, over the same store.
      const later = (days: number) =>
        new AuditTrail({
          store: audit.store,
          signer: audit.signer,
          config: {
            env: started.config.env,
            audit: { ...started.config.audit, retentionDays: 30 },
          },
          now: () => Date.now() + days * day,
        });
      await publishFailures(rampart, 4);
      expect((await later(40).applyRetention()).deleted).toBeGreaterThan(0);
      await publishFailures(rampart, 3);
      const second = await later(80).applyRetention();
      expect(second.deleted).toBe(3);
      await publishFailures(rampart, 2);
      const head = await audit.store.head();
      expect(await audit.verify()).toMatchObject({
        ok: true,
        anchorSeq: head.seq - 2,
        lastSeq: head.seq,
      });
    });

    it('refuses a checkpoint signed with a key it does not trust', async () => {
      const { audit, base } = await chainOf(5);
      const { deriveCheckpointSigner } = await import('./core/checkpoint-signer.js');
      const forger = deriveCheckpointSigner(Buffer.alloc(32, 7));
      const head = await audit.store.head();
      await audit.store.insertCheckpoint({
        id: 'forged',
        seq: head.seq,
        hash: head.hash,
        time: 1,
        kind: 'manual',
        keyId: forger.keyId,
        publicKey: forger.publicKey,
        signature: forger.sign(head.seq, head.hash, 1),
      });
      expect(await audit.verify()).toMatchObject({
        ok: false,
        problem: 'checkpoint_forged',
        firstBadSeq: base + 5,
      });
    });
  });
}
