import { afterEach, describe, expect, it } from 'vitest';
import { testHotStoreKinds, uniqueRedisPrefix } from '../../../test/support/test-databases.js';
import type { HotStore } from '../../storage/hot-state.js';
import { createMemoryHotStore } from '../../storage/memory/memory-hot-store.js';
import { createRedisHotStore } from '../../storage/redis/redis-hot-store.js';
import { RevocationList } from './revocation-list.js';

describe('RevocationList in this process', () => {
  let hot: HotStore | undefined;
  afterEach(async () => hot?.close());

  function list(): RevocationList {
    hot = createMemoryHotStore();
    return new RevocationList(hot.sets, 60_000);
  }

  it('sees a token revoked after it was checked, at the next check', async () => {
    const revocations = list();
    const claims = { jti: 'token-1', sid: 'session-1' };
    expect(revocations.isRevokedNow(claims)).toBe(false);
    expect(revocations.isRevokedNow(claims)).toBe(false);
    await revocations.revokeToken('token-1');
    expect(revocations.isRevokedNow(claims)).toBe(true);
    expect(await revocations.isRevoked('token-1', 'session-1')).toBe(true);
  });

  it('sees a session revoked after its token was checked, for every token of the session', async () => {
    const revocations = list();
    const first = { jti: 'token-1', sid: 'session-1' };
    const second = { jti: 'token-2', sid: 'session-1' };
    const other = { jti: 'token-3', sid: 'session-2' };
    for (const claims of [first, second, other])
      expect(revocations.isRevokedNow(claims)).toBe(false);
    await revocations.revokeSession('session-1');
    expect(revocations.isRevokedNow(first)).toBe(true);
    expect(revocations.isRevokedNow(second)).toBe(true);
    expect(revocations.isRevokedNow(other)).toBe(false);
  });

  it('checks a token without a session by its id alone', async () => {
    const revocations = list();
    const claims = { jti: 'token-1' };
    await revocations.revokeSession('');
    expect(revocations.isRevokedNow(claims)).toBe(false);
    await revocations.revokeToken('token-1');
    expect(revocations.isRevokedNow(claims)).toBe(true);
  });

  it('looks an object up by the ids it holds now, not by those it held at the last check', async () => {
    const revocations = list();
    const claims: { jti: string; sid?: string } = { jti: 'token-1' };
    expect(revocations.isRevokedNow(claims)).toBe(false);
    await revocations.revokeToken('token-2');
    await revocations.revokeSession('session-9');
    claims.jti = 'token-2';
    expect(revocations.isRevokedNow(claims)).toBe(true);
    claims.jti = 'token-1';
    expect(revocations.isRevokedNow(claims)).toBe(false);
    claims.sid = 'session-9';
    expect(revocations.isRevokedNow(claims)).toBe(true);
  });
});

describe.runIf(testHotStoreKinds().includes('redis'))('RevocationList on Redis', () => {
  const stores: HotStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('leaves the answer to isRevoked, which sees a revocation made on another node at once', async () => {
    const url = process.env.RAMPART_TEST_REDIS_URL as string;
    const keyPrefix = uniqueRedisPrefix();
    const a = await createRedisHotStore({ url, keyPrefix });
    stores.push(a);
    const b = await createRedisHotStore({ url, keyPrefix });
    stores.push(b);
    const nodeA = new RevocationList(a.sets, 60_000);
    const nodeB = new RevocationList(b.sets, 60_000);
    expect(nodeB.isRevokedNow({ jti: 'token-1', sid: 'session-1' })).toBeUndefined();
    expect(await nodeB.isRevoked('token-1', 'session-1')).toBe(false);
    await nodeA.revokeSession('session-1');
    expect(await nodeB.isRevoked('token-1', 'session-1')).toBe(true);
    expect(await nodeB.isRevoked('token-2', 'session-1')).toBe(true);
    expect(await nodeB.isRevoked('token-3', 'session-2')).toBe(false);
  });
});
