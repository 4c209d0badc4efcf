/**
 * True when the path of `url` (the part before `?`) has a form that servers and proxies
 * resolve differently: a dot segment (`.` or `..`, also percent-encoded as `%2e`), an
 * encoded slash or backslash (`%2f`, `%5c`), a backslash, or an empty segment (`//`).
 *
 * Rampart routes on the path as sent, and the gateway forwards it as sent. An upstream that
 * resolves `/api/public/../admin/x` to `/api/admin/x`, or decodes `%2f` into a separator,
 * would serve a route other than the one Rampart authorized (an anonymous route's guard
 * letting a request through to a protected one). Refusing these forms, as Envoy can
 * (`path_with_escaped_slashes_action: REJECT_REQUEST`), leaves one reading of every path.
 */
export function hasAmbiguousPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  // Almost every path has none of these characters: no further work on the common path.
  if (!path.includes('.') && !path.includes('%') && !path.includes('\\') && !path.includes('//'))
    return false;
  if (path.includes('\\') || path.includes('//')) return true;
  const lower = path.toLowerCase();
  if (lower.includes('%2f') || lower.includes('%5c')) return true;
  for (const segment of lower.split('/')) {
    const plain = segment.replaceAll('%2e', '.');
    if (plain === '.' || plain === '..') return true;
  }
  return false;
}
