import { randomFillSync } from 'node:crypto';

// RFC 9562 §5.7 UUIDv7: 48-bit Unix ms timestamp, version, 74 random bits. Written here
// rather than pulling the `uuid` package in for one function: Node 20's crypto only
// offers v4, and ids must sort by creation time for the audit trail and cursors.
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;

function randomBytes16(): Buffer {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return out;
}

const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Returns a new time-ordered UUID (version 7).
 *
 * @example
 * const id = uuidv7(); // '01936b2e-…'
 */
export function uuidv7(now: number = Date.now()): string {
  const b = Buffer.from(randomBytes16());
  b[0] = Math.floor(now / 2 ** 40) & 0xff;
  b[1] = Math.floor(now / 2 ** 32) & 0xff;
  b[2] = (now >>> 24) & 0xff;
  b[3] = (now >>> 16) & 0xff;
  b[4] = (now >>> 8) & 0xff;
  b[5] = now & 0xff;
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += hex[b[i] ?? 0];
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}
