import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretSamples } from '../../../test/support/secret-samples.js';
import { SecretMatcher } from './core/secret-matcher.js';
import { ChunkedTextScanner, scanPaths } from './file-scanner.js';

const matcher = new SecretMatcher();
const sample = (rule: string) => {
  const s = secretSamples.find((x) => x.rule === rule);
  if (!s) throw new Error(rule);
  return s;
};

describe('file scanning', () => {
  it('a PEM block split across stream chunks is found once, at its first line', () => {
    const pem = sample('private-key');
    const text = `${'const a = 1;\n'.repeat(50)}${pem.positive}\n${'x\n'.repeat(10)}`;
    const scanner = new ChunkedTextScanner(matcher, 'big.txt');
    const cut = text.indexOf('-----END') - 20;
    scanner.push(text.slice(0, 300), false);
    scanner.push(text.slice(300, cut), false);
    scanner.push(text.slice(cut), true);
    const found = scanner.findings();
    expect(found.map((f) => [f.ruleId, f.line])).toEqual([['private-key', 52]]);
  });

  it('lines are counted across chunks', () => {
    const gh = sample('github-token');
    const scanner = new ChunkedTextScanner(matcher, 'f');
    scanner.push('a\nb\nc', false);
    scanner.push(`\nd\n${gh.positive}\n`, true);
    expect(scanner.findings()[0]?.line).toBe(5);
  });

  it('skips binary files, files over the size limit, .rampartignore and node_modules; UTF-8 columns', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rampart-scan-files-'));
    const gh = sample('github-token');
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'fixtures'));
    mkdirSync(join(root, 'node_modules'));
    writeFileSync(
      join(root, 'src', 'app.js'),
      `// héllo wörld\nconst x = 'é'; ${gh.positive}\nconst db_password = "Zürich-Größe-9fK2mQ7x";\nurl = 'postgres://app:…@db/app'\n`,
    );
    writeFileSync(
      join(root, 'src', 'blob.bin'),
      Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(gh.positive)]),
    );
    writeFileSync(join(root, 'src', 'huge.txt'), `${gh.positive}\n${'x'.repeat(5000)}`);
    writeFileSync(join(root, 'fixtures', 'fake.js'), gh.positive);
    writeFileSync(join(root, 'node_modules', 'dep.js'), gh.positive);
    writeFileSync(join(root, '.rampartignore'), 'fixtures/\n');
    const { findings, stats } = await scanPaths(matcher, ['.'], { root, maxFileBytes: 4000 });
    expect(findings.map((f) => f.file)).toEqual(['src/app.js', 'src/app.js']);
    expect(findings[0]?.secret).toBe(gh.secret);
    // Non-ASCII secrets come back as the text they are, judged as such ('…' is a placeholder).
    expect(findings[1]).toMatchObject({ secret: 'Zürich-Größe-9fK2mQ7x', line: 3, column: 22 });
    // Columns count characters, not bytes: 'é' is one.
    expect(findings[0]?.column).toBe(`const x = 'é'; ${gh.positive}`.indexOf(gh.secret) + 1);
    expect(stats).toMatchObject({ skippedBinary: 1, skippedLarge: 1, ignored: 1 });
  });
});
