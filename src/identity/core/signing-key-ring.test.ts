import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import {
  createTestClock,
  createTokenSetup,
  expectRejected,
  testSealer,
} from '../../../test/support/jwt-fixtures.js';
import { createMemoryIdentityStores } from '../../storage/memory/memory-identity-stores.js';
import { SigningKeyRing } from './signing-key-ring.js';
import type { SigningAlgorithm } from './signing-keys.js';

const second = 1000;
// RFC 7518 §6.2.2, §6.3.2 and §6.4: the private and symmetric members of a JWK.
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('SigningKeyRing', () => {
  describe('retired keys', () => {
    it('keeps verifying a token of a retired key until verifyUntil, then stops', async () => {
      const setup = await createTokenSetup({ accessTokenTtl: 900, clockTolerance: 30 });
      const oldKid = setup.ring.current()!.kid;
      // Issued at the last moment the key signs: its token lives exactly as long as the
      // key's verify window (TTL plus tolerance).
      const token = await setup.issue();
      const rotation = await setup.ring.rotate();
      expect(rotation.retiredKids).toEqual([oldKid]);
      expect(rotation.retiredVerifyUntil).toBe(setup.clock.now() + (900 + 30) * second);

      setup.clock.advance(rotation.retiredVerifyUntil - setup.clock.now() - 1);
      await expect(setup.verifier.verify(token)).resolves.toMatchObject({ sub: 'account-1' });
      expect(setup.ring.verificationKey(oldKid)).toBeDefined();

      setup.clock.advance(1);
      expect(setup.ring.verificationKey(oldKid)).toBeUndefined();
      await expectRejected(setup.verifier.verify(token), 'unknown_kid');
    });

    it('signs new tokens with the new key only, while both verify', async () => {
      const setup = await createTokenSetup();
      const before = await setup.issue();
      const rotation = await setup.ring.rotate();
      const after = await setup.issue();
      expect(setup.ring.current()!.kid).toBe(rotation.kid);
      await expect(setup.verifier.verify(before)).resolves.toBeDefined();
      await expect(setup.verifier.verify(after)).resolves.toBeDefined();
    });

    it('drops a retired key from the JWKS once its window has passed and the ring reloads', async () => {
      const setup = await createTokenSetup();
      const oldKid = setup.ring.current()!.kid;
      const rotation = await setup.ring.rotate();
      expect(
        setup.ring
          .jwks()
          .keys.map((k) => k.kid)
          .sort(),
      ).toEqual([oldKid, rotation.kid].sort());
      setup.clock.advance(rotation.retiredVerifyUntil - setup.clock.now());
      await setup.ring.reload();
      expect(setup.ring.jwks().keys.map((k) => k.kid)).toEqual([rotation.kid]);
    });
  });

  describe('JWKS', () => {
    for (const algorithm of ['EdDSA', 'ES256', 'RS256'] as const) {
      it(`publishes the ${algorithm} public key without any private member`, async () => {
        const { ring } = await createTokenSetup({ algorithm });
        const { keys } = ring.jwks();
        expect(keys).toHaveLength(1);
        const [jwk] = keys;
        for (const member of privateMembers) expect(jwk).not.toHaveProperty(member);
        expect(jwk).toMatchObject({ kid: ring.current()!.kid, alg: algorithm, use: 'sig' });
        // The kid is the RFC 7638 thumbprint of exactly the published public key.
        expect(await calculateJwkThumbprint(jwk!, 'sha256')).toBe(jwk!.kid);
        const text = JSON.stringify(ring.jwks());
        for (const member of privateMembers) expect(text).not.toContain(`"${member}":`);
      });
    }

    it('publishes nothing for an HS256 key', async () => {
      const { ring } = await createTokenSetup({ algorithm: 'HS256' });
      expect(ring.current()?.algorithm).toBe('HS256');
      expect(ring.jwks()).toEqual({ keys: [] });
    });

    it('publishes only the asymmetric key while a retired HS256 key still verifies', async () => {
      const clock = createTestClock();
      const store = createMemoryIdentityStores().signingKeys;
      await createTokenSetup({ algorithm: 'HS256', clock, store });
      const { ring } = await createTokenSetup({ algorithm: 'EdDSA', clock, store });
      expect(ring.algorithms()).toEqual(new Set<SigningAlgorithm>(['HS256', 'EdDSA']));
      expect(ring.jwks().keys).toHaveLength(1);
      expect(ring.jwks().keys[0]).toMatchObject({ alg: 'EdDSA', kty: 'OKP' });
      expect(JSON.stringify(ring.jwks())).not.toContain('"k":');
    });
  });

  describe('onChange', () => {
    function ringWithListener(store = createMemoryIdentityStores().signingKeys) {
      const clock = createTestClock();
      const onChange = vi.fn();
      const ring = new SigningKeyRing({
        store,
        sealer: testSealer,
        algorithm: 'EdDSA',
        accessTokenTtl: 900,
        clockTolerance: 30,
        now: clock.now,
        onChange,
      });
      return { ring, onChange, clock, store };
    }

    it('fires when keys are created, rotated, or expire, and not on a reload that changes nothing', async () => {
      const { ring, onChange, clock } = ringWithListener();
      await ring.initialize();
      expect(onChange).toHaveBeenCalledTimes(1);
      await ring.reload();
      expect(onChange).toHaveBeenCalledTimes(1);
      const rotation = await ring.rotate();
      expect(onChange).toHaveBeenCalledTimes(2);
      clock.advance(rotation.retiredVerifyUntil - clock.now());
      await ring.reload();
      expect(onChange).toHaveBeenCalledTimes(3);
    });

    it('fires on reload when another node rotated the shared store', async () => {
      const first = ringWithListener();
      await first.ring.initialize();
      const second = ringWithListener(first.store);
      await second.ring.initialize();
      await second.ring.rotate();
      first.onChange.mockClear();
      await first.ring.reload();
      expect(first.onChange).toHaveBeenCalledTimes(1);
      expect(first.ring.current()!.kid).toBe(second.ring.current()!.kid);
    });
  });
});
