/**
 * A byte-level multi-pattern prefilter: one pass over the input, 16 bytes at a time with
 * WebAssembly SIMD, marks every position where one of a set of short byte patterns
 * (triggers: up to three positions, a set of bytes at each) may start. Everything else
 * the scanner does runs only at those positions, so most of the text is touched once,
 * by this loop, at several bytes per CPU cycle.
 *
 * The test is Teddy's, from Hyperscan: triggers are grouped into at most 16 buckets;
 * for each of the three positions, the low and the high nibble of the byte there index
 * two 16-byte tables (`i8x16.swizzle`) whose AND has a bit set for each bucket admitting
 * that byte; the AND over the positions is non-zero where some bucket's pattern starts.
 * A bucket admits every byte whose nibbles both occur in its set (a superset): the
 * caller checks each candidate exactly. The WebAssembly module (a few hundred bytes)
 * is generated here from the triggers when a matcher is made. A regex or a JavaScript
 * loop costs a CPU cycle or more per byte and per pattern; this, about one per byte for
 * all of them.
 */

/** A trigger: the bytes allowed at 1 to 4 consecutive positions, each a string of latin1 characters. */
export type Trigger = readonly string[];

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** The WebAssembly global, typed for the little used here (this project's TypeScript libs omit it). */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: unknown };
    };
  }
).WebAssembly;

const maxTriggerLength = 3;
/** Zero bytes after the input, so the last block's loads see no trigger. */
const padding = 64;
const pageBytes = 64 * 1024;

/** Unsigned LEB128. */
function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 for small constants. */
function i32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...u32(body.length), ...body];
const name = (s: string): number[] => [...u32(s.length), ...Buffer.from(s, 'latin1')];

// Opcodes (WebAssembly core 2.0; SIMD ones after the 0xfd prefix).
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  void: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Store: 0x36,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Xor: 0x73,
  i32: 0x7f,
  v128: 0x7b,
} as const;
const simd = (code: number): number[] => [0xfd, ...u32(code)];
const v128Load = (offset: number) => [...simd(0), 0, ...u32(offset)];
const v128Splat = (byte: number) => [...simd(12), ...new Array(16).fill(byte)];
const i8x16Eq = simd(35);
const v128And = simd(78);
const v128Or = simd(80);
const anyTrue = simd(83);
const bitmask = simd(100);
const swizzle = simd(14);
const i16x8ShrU = simd(141);

/** Buckets of triggers (at most 16, each at most 3 positions), as the byte sets per position. */
type Bucket = Set<number>[];

/** Every byte but NUL: a position a trigger does not constrain. */
const anyByte = new Set(Array.from({ length: 255 }, (_, i) => i + 1));

/** The bytes a bucket's nibble tables let through at one position (a superset of the set). */
function nibbleProduct(set: Set<number>): number {
  const lo = new Set([...set].map((c) => c & 15));
  const hi = new Set([...set].map((c) => c >> 4));
  return lo.size * hi.size;
}

/** Estimated share of positions a bucket fires at, for choosing which buckets to merge. */
function bucketRate(b: Bucket): number {
  return b.reduce((rate, set) => rate * (nibbleProduct(set) / 256), 1);
}

/**
 * Groups the triggers into at most 16 buckets (two 8-bit lanes of bucket bits), merging
 * the pairs whose union lets through the fewest extra positions.
 */
export function bucketsOf(triggers: readonly Trigger[]): Bucket[] {
  // A set whose nibble tables would let more through than it holds (`"'\`` lets a space
  // through) is split by high nibble first; merging below puts back what costs little.
  let buckets: Bucket[] = triggers.map((t) =>
    [0, 1, 2].map((k) => {
      const chars = t[k];
      return chars === undefined
        ? new Set(anyByte)
        : new Set([...chars].map((c) => c.charCodeAt(0)));
    }),
  );
  for (let k = 0; k < 3; k++)
    buckets = buckets.flatMap((b) => {
      const set = b[k] as Set<number>;
      if (set.size >= 255 || nibbleProduct(set) === set.size) return [b];
      const byHigh = new Map<number, number[]>();
      for (const c of set) byHigh.set(c >> 4, [...(byHigh.get(c >> 4) ?? []), c]);
      return [...byHigh.values()].map((part) => b.map((s, i) => (i === k ? new Set(part) : s)));
    });
  while (buckets.length > 16) {
    let best: [number, number, number] = [0, 1, Number.POSITIVE_INFINITY];
    for (let i = 0; i < buckets.length; i++)
      for (let j = i + 1; j < buckets.length; j++) {
        const a = buckets[i] as Bucket;
        const b = buckets[j] as Bucket;
        const merged = a.map((set, k) => new Set([...set, ...(b[k] as Set<number>)]));
        const cost = bucketRate(merged) - bucketRate(a) - bucketRate(b);
        if (cost < best[2]) best = [i, j, cost];
      }
    const [i, j] = best;
    const b = buckets.splice(j, 1)[0] as Bucket;
    buckets[i] = (buckets[i] as Bucket).map(
      (set, k) => new Set([...set, ...(b[k] as Set<number>)]),
    );
  }
  return buckets;
}

/**
 * `scan(from, end, out)`: writes [block offset, lane mask] pairs at `out`, returns their
 * number. The test is Teddy's (Hyperscan): per position, the byte's low and high nibbles
 * index two 16-byte tables (`i8x16.swizzle`) whose AND holds a bit per bucket admitting
 * that byte; the AND over the three positions is non-zero where a bucket's pattern starts.
 */
function scanFunction(buckets: readonly Bucket[]): number[] {
  const [P, END, OUT, O] = [0, 1, 2, 3];
  const halves = buckets.length > 8 ? [buckets.slice(0, 8), buckets.slice(8)] : [buckets];
  // Positions every bucket leaves open need no test.
  const positions = [0, 1, 2].filter((k) => buckets.some((b) => (b[k] as Set<number>).size < 255));
  // Locals after the i32 ones: per position v, lo, hi; the tables; the result.
  let next = 4;
  const local = () => next++;
  const init: number[] = [];
  const body: number[] = [];
  const perPosition = positions.map((k) => {
    const lo = local();
    const hi = local();
    body.push(op.localGet, P, ...v128Load(k), op.localTee, hi);
    body.push(...v128Splat(15), ...v128And, op.localSet, lo);
    body.push(
      op.localGet,
      hi,
      op.i32Const,
      4,
      ...i16x8ShrU,
      ...v128Splat(15),
      ...v128And,
      op.localSet,
      hi,
    );
    const tests = halves.map((half) => {
      const loTable = new Array(16).fill(0);
      const hiTable = new Array(16).fill(0);
      half.forEach((b, bit) => {
        for (const c of b[k] as Set<number>) {
          loTable[c & 15] |= 1 << bit;
          hiTable[c >> 4] |= 1 << bit;
        }
      });
      // Tables in locals, set once before the loop.
      const [lt, ht] = [local(), local()];
      init.push(...simd(12), ...loTable, op.localSet, lt, ...simd(12), ...hiTable, op.localSet, ht);
      return [
        [op.localGet, lt],
        [op.localGet, ht],
      ];
    });
    return { lo, hi, tests };
  });
  const acc = local();
  halves.forEach((_half, h) => {
    perPosition.forEach(({ lo, hi, tests }, i) => {
      const [lt, ht] = tests[h] as number[][];
      body.push(...(lt as number[]), op.localGet, lo, ...swizzle);
      body.push(...(ht as number[]), op.localGet, hi, ...swizzle, ...v128And);
      if (i > 0) body.push(...v128And);
    });
    if (h > 0) body.push(...v128Or);
  });
  const code = [
    ...vec([
      [1, op.i32],
      [next - 4, op.v128],
    ]),
    ...init,
    ...[op.localGet, OUT, op.localSet, O],
    ...[op.block, op.void, op.loop, op.void],
    ...[op.localGet, P, op.localGet, END, op.i32GeU, op.brIf, 1],
    ...body,
    ...[op.localTee, acc, ...anyTrue, op.if, op.void],
    ...[op.localGet, O, op.localGet, P, op.i32Store, 2, 0],
    ...[op.localGet, O, op.localGet, acc, ...v128Splat(0), ...i8x16Eq, ...bitmask],
    ...[op.i32Const, ...i32(0xffff), op.i32Xor, op.i32Store, 2, 4],
    ...[op.localGet, O, op.i32Const, ...i32(8), op.i32Add, op.localSet, O],
    op.end,
    ...[op.localGet, P, op.i32Const, ...i32(16), op.i32Add, op.localSet, P, op.br, 0],
    ...[op.end, op.end],
    ...[op.localGet, O, op.localGet, OUT, op.i32Sub, op.i32Const, 3, op.i32ShrU],
    op.end,
  ];
  return [...u32(code.length), ...code];
}

/** `lines(from, end)`: the number of `\n` bytes in [from, end). */
function linesFunction(): number[] {
  const [P, END, N, BITS] = [0, 1, 2, 3];
  const code = [
    ...vec([[2, op.i32]]),
    ...[op.block, op.void, op.loop, op.void],
    ...[op.localGet, P, op.localGet, END, op.i32GeU, op.brIf, 1],
    ...[op.localGet, P, ...v128Load(0), ...v128Splat(10), ...i8x16Eq, ...bitmask],
    ...[op.localSet, BITS],
    ...[op.localGet, END, op.localGet, P, op.i32Sub, op.i32Const, 16, op.i32LtU, op.if, op.void],
    ...[op.localGet, BITS, op.i32Const, 1, op.localGet, END, op.localGet, P, op.i32Sub],
    ...[op.i32Shl, op.i32Const, 1, op.i32Sub, op.i32And, op.localSet, BITS, op.end],
    ...[op.localGet, N, op.localGet, BITS, op.i32Popcnt, op.i32Add, op.localSet, N],
    ...[op.localGet, P, op.i32Const, ...i32(16), op.i32Add, op.localSet, P, op.br, 0],
    ...[op.end, op.end, op.localGet, N, op.end],
  ];
  return [...u32(code.length), ...code];
}

export function prefilterModule(triggers: readonly Trigger[]): Uint8Array {
  for (const t of triggers)
    if (
      t.length === 0 ||
      t.length > maxTriggerLength ||
      t.some((s) => /^$|[\0\u0100-\uffff]/.test(s))
    )
      throw new Error(`a trigger is 1 to ${maxTriggerLength} sets of latin1 bytes other than NUL`);
  const types = vec([
    [0x60, ...vec([[op.i32], [op.i32], [op.i32]]), ...vec([[op.i32]])],
    [0x60, ...vec([[op.i32], [op.i32]]), ...vec([[op.i32]])],
  ]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('scan'), 0, 0],
        [...name('lines'), 0, 1],
      ]),
    ),
    ...section(10, vec([scanFunction(bucketsOf(triggers)), linesFunction()])),
  ]);
}

/**
 * The prefilter with its memory: the caller writes the input into `input(size)` (a file
 * can be read straight into it), then `scan(length)` finds the candidates.
 *
 * @example
 * const p = new SimdPrefilter([['A', 'K', 'I', 'A']]);
 * p.input(9).write('x AKIA y', 'latin1');
 * p.scan(8);
 * p.forEachCandidate((at) => console.log(at)); // 2
 */
export class SimdPrefilter {
  readonly #memory: WasmMemory;
  readonly #scan: (from: number, end: number, out: number) => number;
  readonly #lines: (from: number, end: number) => number;
  #capacity = 0;
  #out = 0;
  #found = 0;
  /** The whole memory as bytes; replaced when the memory grows. */
  bytes: Buffer;
  #words: Uint32Array;

  constructor(triggers: readonly Trigger[]) {
    const instance = new wasm.Instance(new wasm.Module(prefilterModule(triggers)));
    const exports = instance.exports as {
      memory: WasmMemory;
      scan: (from: number, end: number, out: number) => number;
      lines: (from: number, end: number) => number;
    };
    this.#memory = exports.memory;
    this.#scan = exports.scan;
    this.#lines = exports.lines;
    this.bytes = Buffer.from(this.#memory.buffer);
    this.#words = new Uint32Array(this.#memory.buffer);
    this.#reserve(pageBytes);
  }

  #reserve(size: number): void {
    if (size <= this.#capacity) return;
    const capacity = Math.max(size, this.#capacity * 2);
    const out = (capacity + padding + 16 + 7) & ~7;
    const need = out + (Math.ceil(capacity / 16) + 1) * 8;
    const have = this.#memory.buffer.byteLength;
    if (need > have) {
      this.#memory.grow(Math.ceil((need - have) / pageBytes));
      this.bytes = Buffer.from(this.#memory.buffer);
      this.#words = new Uint32Array(this.#memory.buffer);
    }
    this.#capacity = capacity;
    this.#out = out;
  }

  /** Room for `size` bytes of input at offset 0 of `bytes`; earlier views may be stale after it. */
  input(size: number): Buffer {
    this.#reserve(size);
    return this.bytes.subarray(0, size);
  }

  /** Finds the candidates in the first `length` bytes of the input. */
  scan(length: number): void {
    if (length > this.#capacity) throw new RangeError('input longer than reserved');
    this.bytes.fill(0, length, length + padding);
    this.#found = this.#scan(0, length, this.#out);
  }

  /** Calls `visit` with each candidate offset of the last scan, in increasing order. */
  forEachCandidate(visit: (at: number) => void): void {
    const words = this.#words;
    for (let i = 0, w = this.#out >>> 2; i < this.#found; i++, w += 2) {
      const block = words[w] as number;
      let mask = words[w + 1] as number;
      while (mask !== 0) {
        const low = mask & -mask;
        visit(block + 31 - Math.clz32(low));
        mask ^= low;
      }
    }
  }

  /** Line feeds in [from, to) of the input. */
  lines(from: number, to: number): number {
    return from >= to ? 0 : this.#lines(from, to);
  }
}
