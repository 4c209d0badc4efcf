import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  canonicalRecord,
  canonicalRecordReference,
  chainEntries,
  genesisHash,
  recordHash,
} from './audit-record.js';

const entries: AuditEntry[] = [
  {
    id: '0190-a',
    time: 1_700_000_000_123,
    actor: {
      kind: 'user',
      id: 'u1',
      ip: '2001:db8::1',
      userAgent: 'Mozilla "x"\n',
      apiKeyId: null,
    },
    action: 'apikey.created',
    target: { type: 'api_key', id: 'k1' },
    outcome: 'success',
    severity: 'notice',
    environment: 'production',
    requestId: 'r-1',
    risk: 10,
    details: { z: 1, a: [{ y: 'é', b: null }], u: undefined },
  },
  {
    id: '0190-b',
    time: 1,
    actor: { kind: 'anonymous', id: null, ip: null, userAgent: null, apiKeyId: null },
    action: 'auth.login.failed',
    target: null,
    outcome: 'failure',
    severity: 'warning',
    environment: 'development',
    requestId: null,
    risk: 0,
    details: {},
  },
];

describe('the canonical audit record', () => {
  it('is canonical JSON of the documented object, member for member', () => {
    for (const [i, entry] of entries.entries()) {
      expect(canonicalRecord(i + 1, entry)).toBe(canonicalRecordReference(i + 1, entry));
      expect(JSON.parse(canonicalRecord(i + 1, entry))).toMatchObject({ v: 1, seq: i + 1 });
    }
  });

  it('chains each hash over the previous one, starting from the genesis hash', () => {
    const [first, second] = chainEntries({ seq: 0, hash: genesisHash }, entries);
    expect(first?.seq).toBe(1);
    expect(first?.hash).toBe(recordHash(genesisHash, 1, entries[0] as AuditEntry));
    expect(second?.hash).toBe(recordHash(first?.hash ?? '', 2, entries[1] as AuditEntry));
    expect(second?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
