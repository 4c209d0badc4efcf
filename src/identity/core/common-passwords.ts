import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

// Built by scripts/build-common-passwords.mjs from SecLists (CC BY-SA 3.0): the 100k most
// common passwords plus every 10+ character entry of the top million, lower-cased. The
// path is the same relative to src/ and dist/.
const listUrl = new URL('../../../assets/common-passwords.txt.gz', import.meta.url);

let cached: ReadonlySet<string> | undefined;

/** Loads the list once (about 150k entries, ~50 ms); later calls are free. */
export function loadCommonPasswords(): ReadonlySet<string> {
  if (!cached) {
    const text = gunzipSync(readFileSync(listUrl)).toString('utf8');
    cached = new Set(text.split('\n').filter((w) => w.length > 0));
  }
  return cached;
}

export function isCommonPassword(password: string): boolean {
  return loadCommonPasswords().has(password.toLowerCase());
}
