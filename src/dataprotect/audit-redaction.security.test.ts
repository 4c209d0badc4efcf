/*
 * A secret leaking into the audit trail. A publisher puts a password, a token or a cookie
 * in an event's details by mistake (or a client smuggles one into a field that is
 * copied there). The audit trail is append-only and hash-chained: once stored, a secret
 * could never be removed without breaking the chain. So details are redacted by the
 * classification registry before the record is hashed and stored; nothing secret reaches
 * the store, exports or the API, and the chain still verifies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, createAdmin } from '../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

describe.each(testDatabaseKinds())('audit details redaction on %s', (database) => {
  let r: TestRampart | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('never stores a secret from event details, and the chain verifies', async () => {
    r = await startTestRampart({
      database,
      overrides: {
        dataProtection: {
          classification: [{ path: '**.iban', sensitivity: 'RESTRICTED', handling: 'hash' }],
        },
      },
    });
    await r.events.publish({
      type: 'apikey.created',
      outcome: 'success',
      actor: { kind: 'user', id: 'acc_1' },
      details: {
        password: 'hunter2-plaintext',
        nested: { refresh_token: 'rt-plaintext-value', headers: { cookie: 'sid=cookie-value' } },
        email: 'grace.hopper@example.com',
        iban: 'GB33BUKB20201555555555',
        scopes: ['audit:read'],
      },
    });
    const rows = await r.database.db
      .selectFrom('audit_events' as never)
      .selectAll()
      .execute();
    const stored = JSON.stringify(rows);
    for (const secret of [
      'hunter2-plaintext',
      'rt-plaintext-value',
      'cookie-value',
      'grace.hopper',
      'GB33BUKB20201555555555',
    ]) {
      expect(stored).not.toContain(secret);
    }
    expect(stored).toContain('g***@example.com');
    expect(stored).toContain('audit:read');
    expect(stored).toMatch(/hash:[A-Za-z0-9_-]{22}/);
    expect(await r.audit?.verify()).toMatchObject({ ok: true });

    // The export and the search API show what is stored, nothing more.
    const admin = await createAdmin(r);
    const exported = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/audit/export?format=jsonl',
      headers: bearer(admin.token),
    });
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toContain('hunter2-plaintext');
    expect(exported.body).toContain('[redacted]');
    // Nor does the log line of the event.
    expect(r.logText()).not.toContain('rt-plaintext-value');
  });
});
