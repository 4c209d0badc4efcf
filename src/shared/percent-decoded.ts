const percentEscape = /%([0-9a-fA-F]{2})/g;

/** `text` with its `%XX` escapes decoded as single bytes; never throws on a stray `%`. */
function decodeBytes(text: string): string {
  return text.replace(percentEscape, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * `text` percent-decoded twice, byte by byte: what a credential written into a URL looks
 * like once the escapes around it are gone, encoded once or twice. For finding ASCII
 * credentials (API keys, JWTs) in URLs; unlike decodeURIComponent it never throws.
 *
 * @example
 * percentDecoded('?k=rmp%255Fprod%5F…'); // '?k=rmp_prod_…'
 */
export function percentDecoded(text: string): string {
  return decodeBytes(decodeBytes(text));
}
