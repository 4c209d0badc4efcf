import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('encodes the millisecond timestamp in the first 48 bits (RFC 9562 §5.7)', () => {
    const id = uuidv7(0x017f22e279b0);
    expect(id.startsWith('017f22e2-79b0-7')).toBe(true);
    expect(id[19]).toMatch(/[89ab]/);
  });

  it('sets the version 7 and the RFC variant bits in every id', () => {
    for (let i = 0; i < 2000; i++)
      expect(uuidv7()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
  });

  it('sorts by creation time and never repeats', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) =>
      uuidv7(1_700_000_000_000 + Math.floor(i / 100)),
    );
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map((id) => id.slice(0, 13));
    expect([...times].sort()).toEqual(times);
  });
});
