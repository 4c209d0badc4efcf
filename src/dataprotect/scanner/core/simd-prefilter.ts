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

import { prefilterModule } from './prefilter-wasm.js';
import type { Trigger } from './teddy-buckets.js';

export type { Trigger } from './teddy-buckets.js';

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

/** Zero bytes after the input, so the last block's loads see no trigger. */
const padding = 64;
const pageBytes = 64 * 1024;

/** Compiled modules by trigger set: every matcher of a process shares one. */
const compiled = new Map<string, object>();

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

  constructor(triggers: readonly Trigger[], options: { maxBuckets?: number } = {}) {
    const maxBuckets = options.maxBuckets ?? 8;
    const key = `${maxBuckets}:${JSON.stringify(triggers)}`;
    let module = compiled.get(key);
    if (!module) {
      module = new wasm.Module(prefilterModule(triggers, maxBuckets));
      compiled.set(key, module);
    }
    const instance = new wasm.Instance(module);
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
