import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  registerUser,
  type TestUser,
} from '../../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import { genesisHash, recordHash } from '../core/audit-record.js';
import { checkpointPayload } from '../core/checkpoint-signer.js';
import { verifyExportLines } from '../core/export-verifier.js';

interface EventJson {
  seq: number;
  action: string;
  outcome: string;
  risk: number;
  actor: { id: string | null; ip: string | null };
  target: { type: string; id: string | null } | null;
  request_id: string | null;
}

for (const database of testDatabaseKinds()) {
  describe(`the audit API on ${database}`, () => {
    let r: TestRampart;
    let admin: TestUser;
    beforeAll(async () => {
      r = await startTestRampart({ database });
      admin = await createAdmin(r);
      for (let i = 0; i < 7; i++) {
        await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          headers: { 'x-request-id': `failed-${i}` },
          payload: { email: `nobody${i}@example.com`, password: 'not the password' },
        });
      }
    });
    afterAll(async () => r?.close());

    function get(url: string, token = admin.token) {
      return r.app.inject({ method: 'GET', url, headers: bearer(token) });
    }

    it('records failed logins with their request ids, risk and outcome', async () => {
      const res = await get('/v1/admin/audit/events?action=auth.login.failed&limit=100');
      expect(res.statusCode, res.body).toBe(200);
      const events = res.json<{ events: EventJson[] }>().events;
      expect(events).toHaveLength(7);
      expect(events.map((e) => e.request_id)).toContain('failed-3');
      // Default 5, +2 on failure; anonymous callers are not asked for MFA.
      expect(events.every((e) => e.outcome === 'failure' && e.risk === 7)).toBe(true);
    });

    it('pages with an opaque cursor in stable sequence order, both ways', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/admin/audit/events?order=asc&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page: { events: EventJson[]; next_cursor: string | null } = (await get(url)).json<{
          events: EventJson[];
          next_cursor: string | null;
        }>();
        seen.push(...page.events.map((e) => e.seq));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen).size).toBe(seen.length);
      const newest = (await get('/v1/admin/audit/events?limit=1')).json<{ events: EventJson[] }>();
      expect(newest.events[0]?.seq).toBe(seen[seen.length - 1]);
    });

    it('filters by action prefix, outcome, minimum risk, actor and target', async () => {
      const byPrefix = (await get('/v1/admin/audit/events?action=auth.*&limit=500')).json<{
        events: EventJson[];
      }>().events;
      expect(byPrefix.every((e) => e.action.startsWith('auth.'))).toBe(true);
      const successes = (await get('/v1/admin/audit/events?outcome=success&limit=500')).json<{
        events: EventJson[];
      }>().events;
      expect(successes.length).toBeGreaterThan(0);
      expect(successes.every((e) => e.outcome === 'success')).toBe(true);
      const risky = (await get('/v1/admin/audit/events?min_risk=7&limit=500')).json<{
        events: EventJson[];
      }>().events;
      expect(risky.every((e) => e.risk >= 7)).toBe(true);
      const adminLogin = successes.find((e) => e.action === 'auth.login.succeeded');
      const actorId = adminLogin?.actor.id ?? '';
      const byActor = (await get(`/v1/admin/audit/events?actor=${actorId}&limit=500`)).json<{
        events: EventJson[];
      }>().events;
      expect(byActor.length).toBeGreaterThan(0);
      expect(byActor.every((e) => e.actor.id === actorId)).toBe(true);
      const byTarget = (await get('/v1/admin/audit/events?target_type=account&limit=500')).json<{
        events: EventJson[];
      }>().events;
      expect(byTarget.every((e) => e.target?.type === 'account')).toBe(true);
      const future = (
        await get(`/v1/admin/audit/events?from=${new Date(Date.now() + 60_000).toISOString()}`)
      ).json<{ events: EventJson[] }>().events;
      expect(future).toEqual([]);
    });

    it('refuses a cursor it did not issue', async () => {
      expectProblem(
        await get('/v1/admin/audit/events?cursor=bm90LWEtY3Vyc29y'),
        400,
        'audit_invalid_cursor',
      );
    });

    it('answers only administrators', async () => {
      const user = await registerUser(r, `viewer-${database}@example.com`);
      expectProblem(await get('/v1/admin/audit/events', user.token), 403, 'permission_denied');
      expectProblem(await get('/v1/admin/audit/verify', user.token), 403, 'permission_denied');
      const anonymous = await r.app.inject({ method: 'GET', url: '/v1/admin/audit/export' });
      expect(anonymous.statusCode).toBe(401);
    });

    it('exports JSONL that re-hashes offline up to a signed final checkpoint', async () => {
      const res = await get('/v1/admin/audit/export?format=jsonl');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = res.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const final = lines.pop() as {
        type: string;
        seq: number;
        hash: string;
        time: number;
        publicKey: string;
        signature: string;
      };
      expect(final.type).toBe('checkpoint');
      let previous = genesisHash;
      for (const line of lines) {
        const {
          type: _type,
          hash,
          ...record
        } = line as unknown as { type: string; hash: string } & Parameters<typeof recordHash>[2] & {
            seq: number;
          };
        expect(recordHash(previous, record.seq, record)).toBe(hash);
        previous = hash;
      }
      expect(previous).toBe(final.hash);
      const key = (await r.app.inject({ method: 'GET', url: '/v1/audit/checkpoints/key' })).json<{
        public_key: string;
        jwk: { kty: string; crv: string; x: string };
      }>();
      expect(key.public_key).toBe(final.publicKey);
      const publicKey = createPublicKey({ key: key.jwk, format: 'jwk' });
      expect(
        verify(
          null,
          checkpointPayload(final.seq, final.hash, final.time),
          publicKey,
          Buffer.from(final.signature, 'base64url'),
        ),
      ).toBe(true);
    });

    it('verifies an export offline and detects an edited or missing line', async () => {
      const body = (await get('/v1/admin/audit/export?format=jsonl')).body;
      const trusted = new Set([r.audit?.signer.publicKey ?? '']);
      async function* linesOf(text: string) {
        yield* text.split('\n');
      }
      const lines = body.trim().split('\n');
      expect(await verifyExportLines(linesOf(body), trusted)).toMatchObject({
        ok: true,
        checked: lines.length - 1,
      });
      const edited = lines.map((l, i) => (i === 2 ? l.replace('"risk":', '"risk":1') : l));
      expect(await verifyExportLines(linesOf(edited.join('\n')), trusted)).toMatchObject({
        ok: false,
        problem: 'hash_mismatch',
        firstBadSeq: 3,
      });
      const cut = [...lines.slice(0, -2), lines[lines.length - 1]];
      expect(await verifyExportLines(linesOf(cut.join('\n')), trusted)).toMatchObject({
        ok: false,
        problem: 'truncated',
      });
      expect(await verifyExportLines(linesOf(body), new Set())).toMatchObject({
        ok: false,
        problem: 'checkpoint_forged',
      });
    });

    it('refuses an export with its first record edited, its hashes recomputed, or its checkpoint line cut', async () => {
      const body = (await get('/v1/admin/audit/export?format=jsonl')).body;
      const trusted = new Set([r.audit?.signer.publicKey ?? '']);
      async function* linesOf(lines: string[]) {
        yield* lines;
      }
      const lines = body.trim().split('\n');
      const records = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
      const checkpointLine = lines[lines.length - 1] as string;

      // The first record has no predecessor in the file but the genesis hash: it is checked too.
      const firstEdited = [(lines[0] as string).replace('"risk":', '"risk":1'), ...lines.slice(1)];
      expect(firstEdited[0]).not.toBe(lines[0]);
      expect(await verifyExportLines(linesOf(firstEdited), trusted)).toMatchObject({
        ok: false,
        problem: 'hash_mismatch',
        firstBadSeq: 1,
      });

      // A forger edits a record and recomputes every hash after it: only the signed
      // checkpoint, which names the original last hash, can tell.
      let previous = genesisHash;
      const rewritten = records.map((record, i) => {
        const { type: _type, hash: _hash, ...fields } = record;
        const entry = (i === 2
          ? { ...fields, details: { rewritten: true } }
          : fields) as unknown as Parameters<typeof recordHash>[2] & { seq: number };
        previous = recordHash(previous, entry.seq, entry);
        return JSON.stringify({ type: 'record', ...entry, hash: previous });
      });
      expect(
        await verifyExportLines(linesOf([...rewritten, checkpointLine]), trusted),
      ).toMatchObject({ ok: false, problem: 'checkpoint_mismatch' });

      // Without its signed checkpoint, nothing vouches for the last records.
      expect(await verifyExportLines(linesOf(lines.slice(0, -1)), trusted)).toMatchObject({
        ok: false,
        problem: 'truncated',
      });
    });

    it('exports CSV with a header, quoted cells and a final checkpoint line', async () => {
      const res = await get('/v1/admin/audit/export?format=csv&action=auth.login.failed');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = res.body.trim().split('\r\n');
      expect(lines[0]).toMatch(/^seq,id,time,actor_kind/);
      expect(lines).toHaveLength(1 + 7 + 1);
      expect(lines[lines.length - 1]).toMatch(/^# checkpoint \{"type":"checkpoint"/);
    });

    it('defuses spreadsheet formulas in CSV cells', async () => {
      await r.events.publish({
        type: 'auth.token.rejected',
        outcome: 'failure',
        actor: { kind: 'anonymous', userAgent: '=HYPERLINK("http://evil.example","x")' },
        details: {},
      });
      const res = await get('/v1/admin/audit/export?format=csv&action=auth.token.rejected');
      expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
      expect(res.body).not.toMatch(/(^|,)=HYPERLINK/m);
      // The other characters a spreadsheet starts a formula with.
      for (const userAgent of ['@SUM(A1:A2)', '+1+cmd', '-1+cmd']) {
        await r.events.publish({
          type: 'auth.token.rejected',
          outcome: 'failure',
          actor: { kind: 'anonymous', userAgent },
          details: {},
        });
      }
      const more = await get('/v1/admin/audit/export?format=csv&action=auth.token.rejected');
      for (const cell of ['@SUM(A1:A2)', '+1+cmd', '-1+cmd']) {
        expect(more.body).toContain(`,'${cell},`);
        expect(more.body).not.toContain(`,${cell},`);
      }
    });

    it('verifies the chain and signs a checkpoint on demand', async () => {
      const created = await r.app.inject({
        method: 'POST',
        url: '/v1/admin/audit/checkpoints',
        headers: bearer(admin.token),
      });
      expect(created.statusCode, created.body).toBe(201);
      const verified = (await get('/v1/admin/audit/verify')).json<{
        ok: boolean;
        last_checkpoint_seq: number;
      }>();
      expect(verified.ok).toBe(true);
      expect(verified.last_checkpoint_seq).toBe(created.json<{ seq: number }>().seq);
      const list = (await get('/v1/admin/audit/checkpoints?limit=1')).json<{
        checkpoints: { id: string }[];
      }>();
      expect(list.checkpoints[0]?.id).toBe(created.json<{ id: string }>().id);
    });

    it('reports failure rate, repeated failures, new IPs, off-hours activity and actors', async () => {
      const victim = await registerUser(r, `victim-${database}@example.com`);
      for (let i = 0; i < 3; i++) {
        await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: victim.email, password: 'not the password at all' },
        });
      }
      await r.events.publish({
        type: 'apikey.created',
        outcome: 'success',
        actor: { kind: 'user', id: 'night-owl', ip: '203.0.113.9' },
        details: {},
      });
      const hour = new Date().getUTCHours();
      const res = await get(
        `/v1/admin/audit/analytics?work_start=${(hour + 1) % 24}&work_end=${(hour + 2) % 24}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{
        total: number;
        failure_rate: number;
        repeated_failures: { actor_id: string; failures: number }[];
        new_ips: { actor_id: string; ip: string }[];
        off_hours: EventJson[];
        high_risk: EventJson[];
        actors: { actor_id: string; events: number }[];
      }>();
      expect(body.total).toBeGreaterThan(10);
      expect(body.failure_rate).toBeGreaterThan(0);
      expect(body.failure_rate).toBeLessThan(1);
      const victimFailures = body.repeated_failures.find((f) => f.failures >= 3);
      expect(victimFailures).toBeDefined();
      expect(body.new_ips).toContainEqual(
        expect.objectContaining({ actor_id: 'night-owl', ip: '203.0.113.9' }),
      );
      expect(body.off_hours.map((e) => e.actor.id)).toContain('night-owl');
      expect(body.high_risk.map((e) => e.action)).toContain('apikey.created');
      expect(body.actors.map((a) => a.actor_id)).toContain('night-owl');
    });
  });
}
