import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { secretSamples } from './support/secret-samples.js';
import { spawnNode } from './support/spawn.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));
const sample = (rule: string) => {
  const s = secretSamples.find((x) => x.rule === rule);
  if (!s) throw new Error(rule);
  return s;
};
const gh = sample('github-token');
const stripe = sample('stripe-live-key');
const rampartKey = sample('rampart-api-key');

async function scan(cwd: string, args: string[]) {
  const p = spawnNode([bin, 'scan', ...args], { cwd, env: { HOME: cwd } });
  const { code } = await p.exit();
  return { code, output: p.output() };
}

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `rampart-${name}-`));
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

function gitRepo(): string {
  const dir = tempDir('scan-git');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return dir;
}

describe('rampart scan', () => {
  it('exits 1 on findings and shows only redacted secrets, in every format', async () => {
    const dir = tempDir('scan');
    writeFileSync(join(dir, 'app.js'), `const a = 1;\n${gh.positive}\n${stripe.positive}\n`);
    for (const format of ['text', 'json', 'sarif']) {
      const { code, output } = await scan(dir, ['--format', format]);
      expect(code, output).toBe(1);
      expect(output).not.toContain(gh.secret);
      expect(output).not.toContain(stripe.secret);
      expect(output).not.toContain(gh.secret.slice(0, 8));
      expect(output).toContain('ghp_…');
    }
    const text = (await scan(dir, [])).output;
    expect(text).toContain('app.js:2:');
    expect(text).toContain('github-token');
  });

  it('exits 0 on a clean tree and 2 on usage errors', async () => {
    const dir = tempDir('scan-clean');
    writeFileSync(join(dir, 'ok.js'), 'const token = req.headers.authorization;\n');
    expect((await scan(dir, [])).code).toBe(0);
    expect((await scan(dir, ['--format', 'xml'])).code).toBe(2);
    expect((await scan(dir, ['no-such-path'])).code).toBe(2);
    expect((await scan(dir, ['--update-baseline'])).code).toBe(2);
    expect((await scan(dir, ['--verify'])).code).toBe(2);
    expect((await scan(dir, ['--staged'])).code).toBe(2); // not a git repository
  });

  it('a large tree scanned on worker threads gives the same findings as one thread', async () => {
    const dir = tempDir('scan-parallel');
    const filler = 'const value = compute(input, 42); // ordinary code\n'.repeat(90_000);
    for (let i = 0; i < 5; i++)
      writeFileSync(
        join(dir, `big${i}.js`),
        `${filler}${i % 2 ? gh.positive : stripe.positive}\n${filler}`,
      );
    const one = await scan(dir, ['--format', 'json', '--jobs', '1']);
    const two = await scan(dir, ['--format', 'json', '--jobs', '2']);
    expect(one.code, one.output).toBe(1);
    expect(two.code, two.output).toBe(1);
    const findings = JSON.parse(two.output).findings;
    expect(findings).toEqual(JSON.parse(one.output).findings);
    expect(findings.map((f: { file: string; line: number }) => [f.file, f.line])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`big${i}.js`, 90_001]),
    );
    expect(JSON.parse(two.output).stats.bytes).toBeGreaterThan(16 * 1024 * 1024);
  });

  it('writes SARIF 2.1.0 with the required fields', async () => {
    const dir = tempDir('scan-sarif');
    writeFileSync(join(dir, 'cfg.yaml'), `x: 1\n${stripe.positive}\n`);
    const { code } = await scan(dir, ['--format', 'sarif', '--output', 'out.sarif']);
    expect(code).toBe(1);
    const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif/);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('rampart-scan');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toContain('stripe-live-key');
    const [result] = run.results;
    expect(result.ruleId).toBe('stripe-live-key');
    expect(typeof result.message.text).toBe('string');
    expect(result.message.text).not.toContain(stripe.secret);
    const loc = result.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('cfg.yaml');
    expect(loc.region).toEqual({
      startLine: 2,
      startColumn: stripe.positive.indexOf(stripe.secret) + 1,
    });
    expect(run.tool.driver.rules[result.ruleIndex].id).toBe('stripe-live-key');
  });

  it('honours .rampartignore and inline rampart:allow', async () => {
    const dir = tempDir('scan-ignore');
    writeFileSync(join(dir, 'fixture.pem.txt'), gh.positive);
    writeFileSync(join(dir, 'app.js'), `${stripe.positive} // rampart:allow test key\n`);
    writeFileSync(join(dir, '.rampartignore'), '*.pem.txt\n');
    const { code, output } = await scan(dir, ['--format', 'json']);
    expect(code, output).toBe(0);
    expect(JSON.parse(output).findings).toEqual([]);
  });

  it('a baseline keeps accepted findings quiet, also when lines move, and reports new ones', async () => {
    const dir = tempDir('scan-baseline');
    writeFileSync(join(dir, 'a.js'), `${gh.positive}\n`);
    const updated = await scan(dir, ['--baseline', '.rampart-baseline.json', '--update-baseline']);
    expect(updated.code, updated.output).toBe(0);
    const baselineText = readFileSync(join(dir, '.rampart-baseline.json'), 'utf8');
    expect(baselineText).not.toContain(gh.secret);
    expect(JSON.parse(baselineText).findings).toHaveLength(1);

    writeFileSync(join(dir, 'a.js'), `// moved down\n\n${gh.positive}\n`);
    expect((await scan(dir, ['--baseline', '.rampart-baseline.json'])).code).toBe(0);

    writeFileSync(join(dir, 'a.js'), `${gh.positive}\n${stripe.positive}\n`);
    const fresh = await scan(dir, ['--baseline', '.rampart-baseline.json', '--format', 'json']);
    expect(fresh.code).toBe(1);
    const report = JSON.parse(fresh.output);
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['stripe-live-key']);
    expect(report.baselined).toBe(1);
    // The same secret in another file is a new finding.
    writeFileSync(join(dir, 'a.js'), `${gh.positive}\n`);
    writeFileSync(join(dir, 'b.js'), `${gh.positive}\n`);
    expect((await scan(dir, ['--baseline', '.rampart-baseline.json'])).code).toBe(1);
  });

  it('--staged scans the index, not the working tree', async () => {
    const dir = gitRepo();
    writeFileSync(join(dir, 'clean.js'), 'const a = 1;\n');
    git(dir, 'add', 'clean.js');
    expect((await scan(dir, ['--staged'])).code).toBe(0);
    writeFileSync(join(dir, 'leak.js'), `${gh.positive}\n`);
    // Not staged yet: the commit would not carry it.
    expect((await scan(dir, ['--staged'])).code).toBe(0);
    git(dir, 'add', 'leak.js');
    // Removed from the working tree but still staged: the commit would carry it.
    writeFileSync(join(dir, 'leak.js'), 'const a = 2;\n');
    const { code, output } = await scan(dir, ['--staged', '--format', 'json']);
    expect(code, output).toBe(1);
    expect(JSON.parse(output).findings[0]).toMatchObject({
      file: 'leak.js',
      ruleId: 'github-token',
      line: 1,
    });
  });

  it('--git finds a secret deleted in a later commit, naming the commit that added it', async () => {
    const dir = gitRepo();
    writeFileSync(join(dir, 'config.js'), `const a = 1;\nconst b = 2;\n${stripe.positive}\n`);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'add config');
    const added = git(dir, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, 'config.js'), 'const a = 1;\n');
    git(dir, 'commit', '-q', '-am', 'remove the key');
    expect((await scan(dir, [])).code).toBe(0);
    const { code, output } = await scan(dir, ['--git', '--format', 'json']);
    expect(code, output).toBe(1);
    expect(JSON.parse(output).findings).toEqual([
      expect.objectContaining({
        file: 'config.js',
        line: 3,
        commit: added,
        ruleId: 'stripe-live-key',
      }),
    ]);
    expect(output).not.toContain(stripe.secret);
  });

  it('install-hook writes a pre-commit hook that refuses a commit with a secret, and leaves a foreign hook alone', async () => {
    const dir = gitRepo();
    const hook = join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho team checks\n');
    const refused = await scan(dir, ['install-hook']);
    expect(refused.code, refused.output).toBe(1);
    expect(readFileSync(hook, 'utf8')).toContain('team checks');
    const forced = await scan(dir, ['install-hook', '--force']);
    expect(forced.code, forced.output).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('scan --staged');
    // Reinstalling over our own hook needs no --force.
    expect((await scan(dir, ['install-hook'])).code).toBe(0);

    writeFileSync(join(dir, 'ok.js'), 'const a = 1;\n');
    git(dir, 'add', 'ok.js');
    git(dir, 'commit', '-q', '-m', 'clean commit');
    writeFileSync(join(dir, 'leak.env'), `RAMPART_KEY=${rampartKey.secret}\n`);
    git(dir, 'add', 'leak.env');
    expect(() => git(dir, 'commit', '-q', '-m', 'leak')).toThrow();
    expect(git(dir, 'log', '--oneline').trim().split('\n')).toHaveLength(1);
    expect(existsSync(hook)).toBe(true);
  });
});
