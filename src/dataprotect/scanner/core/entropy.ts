/**
 * Shannon entropy of `text` in bits per character: how unpredictable its characters are.
 * Random base64 scores about 5.5 bits at length 64 (less for short strings, which cannot
 * show every symbol), hex about 4, English words and placeholders 2.5 to 3.5.
 *
 * @example
 * shannonEntropy('aaaa'); // 0
 * shannonEntropy('ab');   // 1
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  // Counts in a reused table for one-byte characters (secrets nearly always are), a Map
  // for the rest.
  const counts = byteCounts.fill(0);
  let others: Map<number, number> | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 256) counts[c] = (counts[c] as number) + 1;
    else {
      others ??= new Map();
      others.set(c, (others.get(c) ?? 0) + 1);
    }
  }
  let bits = 0;
  const term = (n: number) => {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  };
  for (let c = 0; c < 256; c++) if ((counts[c] as number) > 0) term(counts[c] as number);
  for (const n of others?.values() ?? []) term(n);
  return bits;
}

const byteCounts = new Uint32Array(256);
