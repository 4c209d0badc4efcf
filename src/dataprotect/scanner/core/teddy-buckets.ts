/** A trigger: the bytes allowed at 1 to 3 consecutive positions, each a string of latin1 characters. */
export type Trigger = readonly string[];

/**
 * A bucket of triggers as its nibble tables see it: per position (3), the low nibbles
 * and the high nibbles of the bytes it admits, as 16-bit masks. It admits every byte
 * whose two nibbles are both in them.
 */
export type Bucket = [lo: number, hi: number][];

/** A position a trigger does not constrain. */
const anyByte: [number, number] = [0xffff, 0xffff];

/**
 * A rough share of each byte in source code (lowercase letters and blanks dominate),
 * so that merging keeps buckets from admitting common bytes.
 */
const byteShare = Array.from({ length: 256 }, (_, c) => {
  if (c === 0x20) return 0.13;
  if (c >= 0x61 && c <= 0x7a) return 0.025;
  if (c === 0x0a || c === 0x09) return 0.02;
  if (c >= 0x41 && c <= 0x5a) return 0.002;
  if (c >= 0x30 && c <= 0x39) return 0.003;
  if (c > 0x20 && c < 0x7f) return 0.006;
  return 0.0002;
});

/** The share of bytes a position's nibble masks admit. */
function admitted(lo: number, hi: number): number {
  let share = 0;
  for (let h = 0; h < 16; h++)
    if (hi & (1 << h))
      for (let l = 0; l < 16; l++) if (lo & (1 << l)) share += byteShare[(h << 4) | l] as number;
  return share;
}

/** Estimated share of positions a bucket fires at, for choosing which buckets to merge. */
function bucketRate(b: Bucket): number {
  return b.reduce((rate, [lo, hi]) => rate * admitted(lo, hi), 1);
}

/**
 * Groups the triggers into `maxBuckets` buckets (8: a bit each in one 8-bit lane; 16:
 * two lanes, twice the table lookups), merging the pairs whose union lets through the
 * fewest extra positions. On the benchmark corpus 8 buckets let through 60 % more
 * candidates than 16 but halve the cost of the pass, which wins.
 */
export function bucketsOf(triggers: readonly Trigger[], maxBuckets = 8): Bucket[] {
  // A set spanning several high nibbles would let more through than it holds (`"'\``
  // admits a space): it is split by high nibble first, and merging below puts back what
  // costs little.
  let parts: number[][][] = triggers.map((t) =>
    [0, 1, 2].map((k) => [...(t[k] ?? '')].map((c) => c.charCodeAt(0))),
  );
  for (let k = 0; k < 3; k++)
    parts = parts.flatMap((p) => {
      const byHigh = new Map<number, number[]>();
      for (const c of p[k] as number[]) byHigh.set(c >> 4, [...(byHigh.get(c >> 4) ?? []), c]);
      if (byHigh.size <= 1) return [p];
      return [...byHigh.values()].map((set) => p.map((s, i) => (i === k ? set : s)));
    });
  const buckets: Bucket[] = parts.map((p) =>
    p.map((set): [number, number] =>
      set.length === 0
        ? anyByte
        : set.reduce(([lo, hi], c) => [lo | (1 << (c & 15)), hi | (1 << (c >> 4))], [0, 0]),
    ),
  );
  const union = (a: Bucket, b: Bucket): Bucket =>
    a.map(([lo, hi], k) => [
      lo | (b[k] as [number, number])[0],
      hi | (b[k] as [number, number])[1],
    ]);
  const rates = buckets.map(bucketRate);
  while (buckets.length > maxBuckets) {
    let best: [number, number, number] = [0, 1, Number.POSITIVE_INFINITY];
    for (let i = 0; i < buckets.length; i++)
      for (let j = i + 1; j < buckets.length; j++) {
        const cost =
          bucketRate(union(buckets[i] as Bucket, buckets[j] as Bucket)) -
          (rates[i] as number) -
          (rates[j] as number);
        if (cost < best[2]) best = [i, j, cost];
      }
    const [i, j] = best;
    const b = buckets.splice(j, 1)[0] as Bucket;
    rates.splice(j, 1);
    buckets[i] = union(buckets[i] as Bucket, b);
    rates[i] = bucketRate(buckets[i] as Bucket);
  }
  return buckets;
}
