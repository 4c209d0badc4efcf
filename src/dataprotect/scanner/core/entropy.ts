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
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
