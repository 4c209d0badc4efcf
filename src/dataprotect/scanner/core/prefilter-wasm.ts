import { type Bucket, bucketsOf, type Trigger } from './teddy-buckets.js';

/**
 * The prefilter's WebAssembly module, encoded here from the triggers (WebAssembly core
 * 2.0 binary format with the fixed-width SIMD proposal, which Node has shipped since 16):
 * no toolchain, a few hundred bytes, compiled once per process.
 */

const maxTriggerLength = 3;

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
  const positions = [0, 1, 2].filter((k) =>
    buckets.some(
      (b) => (b[k] as [number, number])[0] !== 0xffff || (b[k] as [number, number])[1] !== 0xffff,
    ),
  );
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
        const [lo, hi] = b[k] as [number, number];
        for (let n = 0; n < 16; n++) {
          if (lo & (1 << n)) loTable[n] |= 1 << bit;
          if (hi & (1 << n)) hiTable[n] |= 1 << bit;
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

export function prefilterModule(triggers: readonly Trigger[], maxBuckets = 8): Uint8Array {
  if (maxBuckets < 1 || maxBuckets > 16) throw new RangeError('1 to 16 buckets');
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
    ...section(10, vec([scanFunction(bucketsOf(triggers, maxBuckets)), linesFunction()])),
  ]);
}
