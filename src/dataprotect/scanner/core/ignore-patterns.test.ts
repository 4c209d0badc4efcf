import { describe, expect, it } from 'vitest';
import { parseIgnorePatterns } from './ignore-patterns.js';

describe('.rampartignore patterns', () => {
  const ignore = parseIgnorePatterns(
    [
      '# fixtures hold fake keys',
      'fixtures/',
      '*.min.js',
      '!keep.min.js',
      '/root-only.txt',
      'docs/**/*.md',
      '',
    ].join('\n'),
  );

  it('a folder pattern ignores everything below the folder, at any depth', () => {
    expect(ignore.ignores('fixtures', true)).toBe(true);
    expect(ignore.ignores('fixtures/keys.pem')).toBe(true);
    expect(ignore.ignores('a/fixtures/keys.pem')).toBe(true);
    expect(ignore.ignores('fixtures')).toBe(false);
  });

  it('a name glob matches in any folder, and a later ! pattern re-includes', () => {
    expect(ignore.ignores('dist/app.min.js')).toBe(true);
    expect(ignore.ignores('dist/keep.min.js')).toBe(false);
    expect(ignore.ignores('dist/app.js')).toBe(false);
  });

  it('a leading slash anchors at the root; ** spans folders', () => {
    expect(ignore.ignores('root-only.txt')).toBe(true);
    expect(ignore.ignores('sub/root-only.txt')).toBe(false);
    expect(ignore.ignores('docs/a/b/c.md')).toBe(true);
    expect(ignore.ignores('docs/c.md')).toBe(true);
    expect(ignore.ignores('other/c.md')).toBe(false);
  });
});
