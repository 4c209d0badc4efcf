import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.js';

// The configuration minimum (OWASP): fast enough for tests, and what production may use.
const params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const password = 'violet-harbour-lantern-97';

describe('PasswordHasher', () => {
  it('writes argon2id and its parameters into the hash string', async () => {
    const hash = await new PasswordHasher(params).hash(password);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it('salts every hash, so one password never hashes twice the same', async () => {
    const hasher = new PasswordHasher(params);
    expect(await hasher.hash(password)).not.toBe(await hasher.hash(password));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new PasswordHasher(params);
    const hash = await hasher.hash(password);
    expect(await hasher.verify(hash, password)).toBe(true);
    expect(await hasher.verify(hash, `${password}!`)).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
  });

  it('verifies a password typed in full-width characters against its ASCII form', async () => {
    const hasher = new PasswordHasher(params);
    const hash = await hasher.hash('Violet-harbour-97');
    expect(await hasher.verify(hash, 'Ｖｉｏｌｅｔ－ｈａｒｂｏｕｒ－９７')).toBe(true);
  });

  it('never truncates: 128-character passwords differing only at 100 or 128 do not verify', async () => {
    // bcrypt would ignore everything past byte 72; argon2id must not.
    const hasher = new PasswordHasher(params);
    const long = 'a1-'.repeat(43).slice(0, 128);
    const at = (index: number) => `${long.slice(0, index)}Z${long.slice(index + 1)}`;
    expect(long).toHaveLength(128);
    const hash = await hasher.hash(long);
    expect(await hasher.verify(hash, long)).toBe(true);
    expect(await hasher.verify(hash, at(99))).toBe(false);
    expect(await hasher.verify(hash, at(127))).toBe(false);
    expect(await hasher.hash(at(99))).not.toBe(hash);
  });

  it('refuses, rather than throws on, a stored hash it cannot parse', async () => {
    const hasher = new PasswordHasher(params);
    for (const stored of ['', 'plaintext', '$argon2id$v=19$m=19456,t=2,p=1$bad', '$2b$10$abc']) {
      expect(await hasher.verify(stored, password)).toBe(false);
    }
  });

  describe('needsRehash', () => {
    it('is false for a hash made with the configured parameters', async () => {
      const hasher = new PasswordHasher(params);
      expect(hasher.needsRehash(await hasher.hash(password))).toBe(false);
    });

    it('is true when any parameter differs from the configuration', async () => {
      const hash = await new PasswordHasher(params).hash(password);
      expect(new PasswordHasher({ ...params, memoryCost: 65_536 }).needsRehash(hash)).toBe(true);
      expect(new PasswordHasher({ ...params, timeCost: 3 }).needsRehash(hash)).toBe(true);
      expect(new PasswordHasher({ ...params, parallelism: 2 }).needsRehash(hash)).toBe(true);
    });

    it('is true for another algorithm or an unreadable hash', () => {
      const hasher = new PasswordHasher(params);
      expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')).toBe(
        true,
      );
      expect(hasher.needsRehash('$2b$12$abcdefghijklmnopqrstuv')).toBe(true);
      expect(hasher.needsRehash('')).toBe(true);
    });
  });

  it('answers false from verifyDummy, whatever the password', async () => {
    const hasher = new PasswordHasher(params);
    await hasher.warmUp();
    expect(await hasher.verifyDummy(password)).toBe(false);
    expect(await hasher.verifyDummy('')).toBe(false);
  });

  it('hashes off the event loop: a timer keeps ticking while four hashes run', async () => {
    // Heavier than the defaults so the hashes clearly outlast several timer periods.
    const hasher = new PasswordHasher({ memoryCost: 65_536, timeCost: 3, parallelism: 1 });
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 2);
    try {
      const started = performance.now();
      await Promise.all([1, 2, 3, 4].map((i) => hasher.hash(`${password}-${i}`)));
      const elapsed = performance.now() - started;
      // Had the hashing run on the main thread, no timer callback could have run until
      // every hash was done: zero ticks.
      expect(elapsed).toBeGreaterThan(20);
      expect(ticks).toBeGreaterThanOrEqual(5);
    } finally {
      clearInterval(timer);
    }
  });
});
