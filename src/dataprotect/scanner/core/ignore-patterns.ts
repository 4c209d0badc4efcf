/**
 * `.rampartignore`: gitignore-style patterns. Written here rather than taken from a
 * library because the only package for it in our tree (`ignore`) is a transitive
 * dependency we may not rely on, and the subset a secrets baseline needs is small:
 * `#` comments, `!` negation, `*`, `**`, `?`, a leading `/` (anchored at the root), a
 * trailing `/` (directories only), and patterns without a `/` matching at any depth.
 */
export interface IgnorePatterns {
  /** True when `path` (relative, `/`-separated) is ignored; `isDirectory` for folders. */
  ignores(path: string, isDirectory?: boolean): boolean;
}

interface Compiled {
  negate: boolean;
  directoryOnly: boolean;
  regex: RegExp;
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` everything below.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function compile(line: string): Compiled | undefined {
  let text = line.replace(/(?<!\\)\s+$/, '');
  if (text === '' || text.startsWith('#')) return undefined;
  const negate = text.startsWith('!');
  if (negate) text = text.slice(1);
  const directoryOnly = text.endsWith('/');
  if (directoryOnly) text = text.slice(0, -1);
  const anchored = text.includes('/');
  if (text.startsWith('/')) text = text.slice(1);
  const body = globToRegExp(text);
  // A pattern also ignores everything below a matching folder.
  const regex = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}(?:/.*)?$`);
  return { negate, directoryOnly, regex };
}

/**
 * Compiles the lines of a `.rampartignore`. The last matching pattern decides, as in git.
 *
 * @example
 * parseIgnorePatterns('fixtures/\n*.min.js\n!keep.min.js').ignores('a/b.min.js'); // true
 */
export function parseIgnorePatterns(text: string): IgnorePatterns {
  const patterns = text
    .split(/\r?\n/)
    .map(compile)
    .filter((p): p is Compiled => p !== undefined);
  return {
    ignores(path, isDirectory = false) {
      let ignored = false;
      for (const p of patterns) {
        if (p.directoryOnly && !isDirectory && !p.regex.test(path.slice(0, path.lastIndexOf('/'))))
          continue;
        if (p.regex.test(path)) ignored = !p.negate;
      }
      return ignored;
    },
  };
}
