import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { base62Crc32 } from '../../dist/dataprotect/scanner/core/rules.js';
import { SecretMatcher } from '../../dist/dataprotect/scanner/core/secret-matcher.js';
import { scanFile, scanPaths } from '../../dist/dataprotect/scanner/file-scanner.js';
import { createApiKeyString } from '../../dist/shared/api-key-string.js';

export const name = 'secret-scan';
export const description =
  'Secret scanning throughput (MB/s) and recall on a generated code corpus with planted secrets: Rampart vs secretlint 12 (preset-recommend)';

/** Corpus size: at least 200 MB (RAMPART_BENCH_SCAN_MB to change it). */
const corpusMb = Number(process.env.RAMPART_BENCH_SCAN_MB ?? 210);
const fileBytes = 128 * 1024;
/** secretlint gets this many seconds; beyond it, it scans a fixed sample and is extrapolated. */
const secretlintBudgetSeconds = Number(process.env.RAMPART_BENCH_SECRETLINT_SECONDS ?? 240);

function prng(seed) {
  let state = seed >>> 0;
  return () => {
    // mulberry32: small, fast, deterministic across runs and machines.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';
const alnum = digits + upper + lower;

function corpusGenerator(seed) {
  const next = prng(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const str = (alphabet, n) => {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  const words = [
    'user',
    'order',
    'item',
    'account',
    'session',
    'request',
    'response',
    'config',
    'cache',
    'payload',
    'handler',
    'result',
    'value',
    'index',
    'count',
    'buffer',
    'stream',
    'client',
    'server',
    'router',
    'event',
    'queue',
    'worker',
    'record',
    'schema',
    'field',
    'entry',
  ];
  const ident = () => `${pick(words)}${pick(['', 'Id', 'List', 'Map', 'Count', 'Name', 'Data'])}`;
  // Ordinary code, and code that mentions secrets without holding one (the keyword
  // prefilter must look at these and let them go).
  const templates = [
    () => `const ${ident()} = await ${ident()}.get(${ident()});`,
    () => `  if (${ident()} === undefined) throw new Error('${pick(words)} not found');`,
    () => `function ${ident()}(${ident()}, ${ident()}) {`,
    () => '}',
    () => `  return ${ident()}.map((x) => x.${ident()} + ${Math.floor(next() * 1000)});`,
    () => `import { ${ident()} } from './${pick(words)}/${pick(words)}.js';`,
    () => `    // ${pick(words)} ${pick(words)} ${pick(words)}: keep the ${pick(words)} in sync`,
    () => `def ${pick(words)}_${pick(words)}(self, ${pick(words)}):`,
    () =>
      `        self.${pick(words)} = ${pick(words)}.get("${pick(words)}", ${Math.floor(next() * 100)})`,
    () =>
      `${pick(words)}_${pick(words)}: ${pick(['true', 'false', '30s', '"/var/lib/app"', '8080'])}`,
    () => `  ${ident()}: ${ident()}.${ident()} ?? null,`,
    () => `func (s *${pick(words)}Service) ${pick(words)}(ctx context.Context) error {`,
    () =>
      `    log.Printf("${pick(words)} %s took %dms", ${pick(words)}, ${Math.floor(next() * 500)})`,
    () => '',
  ];
  // Lines that name secrets without holding one: 1 line in 20 here (real code has fewer),
  // so the keyword prefilter hits often and each hit's rule match is part of the cost.
  const mentions = [
    () => `const token = req.headers.authorization?.slice(7);`,
    () => `  password: process.env.DB_PASSWORD,`,
    () => `# secret rotation runs nightly; see docs/${pick(words)}.md`,
    () => `REDIS_URL=redis://localhost:6379/${Math.floor(next() * 16)}`,
    () => `  const apiKey = config.get('apiKey');`,
  ];
  const line = () => (next() < 0.05 ? pick(mentions)() : pick(templates)());

  const b64 = `${alnum}+/`;
  const b64url = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const pemBody = () => {
    const rows = [];
    for (let i = 0; i < 12; i++) rows.push(str(b64, 64));
    return rows;
  };
  // Each planted kind: the lines to insert (the secret on the first one).
  const kinds = {
    'aws-access-key-id': () => [`aws_access_key_id = ${`AKIA${str(`${upper}234567`, 16)}`}`],
    'aws-secret-access-key': () => [`aws_secret_access_key = "${str(b64, 40)}"`],
    'github-token': () => {
      const r = str(alnum, 30);
      return [`const githubToken = 'ghp_${r}${base62Crc32(r)}';`];
    },
    'gitlab-token': () => [`GITLAB_TOKEN: glpat-${str(`${alnum}-_`, 20)}`],
    'slack-token': () => [
      `slack_bot = "xoxb-${str(digits, 12)}-${str(digits, 13)}-${str(alnum, 24)}"`,
    ],
    'slack-webhook': () => [
      `webhook: https://hooks.slack.com/services/T${str(upper + digits, 9)}/B${str(upper + digits, 9)}/${str(alnum, 24)}`,
    ],
    'private-key': () => [
      '-----BEGIN RSA PRIVATE KEY-----',
      ...pemBody(),
      '-----END RSA PRIVATE KEY-----',
    ],
    'database-url': () => [
      `DATABASE_URL=postgres://app:${str(alnum, 20)}@db-${Math.floor(next() * 9)}.internal:5432/app`,
    ],
    'stripe-live-key': () => [`stripe.api_key = "sk_live_${str(alnum, 32)}"`],
    'google-api-key': () => [`const mapsKey = "AIza${str(`${alnum}-_`, 35)}";`],
    jwt: () => [
      `Authorization: Bearer ${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: String(Math.floor(next() * 1e6)), iat: 1700000000 })}.${str(`${alnum}-_`, 43)}`,
    ],
    'rampart-api-key': () => [
      `RAMPART_API_KEY=${createApiKeyString({ env: 'prod', random: str(alnum, 43) })}`,
    ],
    'generic-secret-assignment': () => [`  client_secret = "${str(alnum, 32)}"`],
  };
  return { line, kinds, pick, next, str, pemBody };
}

/**
 * Writes the corpus: files of ~128 KiB of code-like lines in 16 folders, one planted
 * secret every ~100 KiB on average (kinds in turn), and a few standalone Google
 * service-account JSON files. Returns the planted set as { file, line, kind }.
 */
export function writeCorpus(dir, totalBytes) {
  const g = corpusGenerator(0x5ec12e7);
  const kindNames = Object.keys(g.kinds);
  const planted = [];
  let written = 0;
  let fileNo = 0;
  let kindNo = 0;
  const exts = ['js', 'ts', 'py', 'go', 'yaml', 'env'];
  while (written < totalBytes) {
    const folder = `pkg${String(fileNo % 16).padStart(2, '0')}`;
    mkdirSync(join(dir, folder), { recursive: true });
    const file = `${folder}/file${String(fileNo).padStart(5, '0')}.${exts[fileNo % exts.length]}`;
    const lines = [];
    let size = 0;
    while (size < fileBytes) {
      if (g.next() < 0.0005) {
        const kind = kindNames[kindNo++ % kindNames.length];
        planted.push({ file, line: lines.length + 1, kind });
        for (const l of g.kinds[kind]()) {
          lines.push(l);
          size += l.length + 1;
        }
      } else {
        const l = g.line();
        lines.push(l);
        size += l.length + 1;
      }
    }
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, file), text);
    written += Buffer.byteLength(text);
    fileNo++;
    if (fileNo % 50 === 0) {
      // A Google service account key file as `gcloud iam service-accounts keys create` writes it.
      const sa = `${folder}/service-account-${fileNo}.json`;
      const key = `-----BEGIN PRIVATE KEY-----\\n${g.pemBody().join('\\n')}\\n-----END PRIVATE KEY-----\\n`;
      const json = `{\n  "type": "service_account",\n  "project_id": "demo-${fileNo}",\n  "private_key_id": "${g.str('0123456789abcdef', 40)}",\n  "private_key": "${key}",\n  "client_email": "svc-${fileNo}@demo-${fileNo}.iam.gserviceaccount.com",\n  "client_id": "${g.str(digits, 21)}",\n  "auth_uri": "https://accounts.google.com/o/oauth2/auth",\n  "token_uri": "https://oauth2.googleapis.com/token"\n}\n`;
      writeFileSync(join(dir, sa), json);
      written += json.length;
      planted.push({ file: sa, line: 5, kind: 'google-service-account-key' });
    }
  }
  return planted;
}

function recallOf(planted, found, files) {
  const inScope = files ? planted.filter((p) => files.has(p.file)) : planted;
  const hits = inScope.filter((p) => found.has(`${p.file}:${p.line}`));
  const byKind = {};
  for (const p of inScope) {
    byKind[p.kind] ??= { planted: 0, found: 0 };
    byKind[p.kind].planted++;
    if (found.has(`${p.file}:${p.line}`)) byKind[p.kind].found++;
  }
  return {
    planted: inScope.length,
    found: hits.length,
    recall: hits.length / inScope.length,
    byKind,
  };
}

const cpuSeconds = (usage) => (usage.user + usage.system) / 1e6;

/** Files go to each scanner in blocks of about this many bytes, the scanners taking turns. */
const blockBytes = 8 * 1024 * 1024;

/**
 * Both scanners on the same files, in turns: Rampart on a block of files (~8 MB), then
 * secretlint on the same block, and so on, so a busy machine slows both alike. CPU time
 * (this process) is what the MB/s are computed from, wall time is reported beside it.
 *
 * Why blocks and not file by file: right after a secretlint run, Rampart ran its next
 * file at less than half its speed. On a 35 MB sample of this corpus, Rampart measured
 * 300–420 MB/s interleaved file by file with secretlint (either one first), 650–730 MB/s
 * interleaved the same way with a dummy task (read the file as UTF-8, split its lines),
 * and 650–900 MB/s in blocks of 1 MB to 8 MB or in two separate passes, while secretlint
 * measured 42–49 MB/s every way. The main thread's own run time (/proc schedstat) showed
 * the same slowdown, so it is not only V8's background threads: secretlint's heap churn
 * (25 regexes over every file, lines and tokens as objects) leaves caches cold for
 * whatever runs next. Taking turns in blocks charges each tool its own after-effects
 * but for one switch per block.
 */
async function compareOn(dir, files, matcher) {
  const config = {
    rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }],
  };
  const tools = {
    rampart: { cpu: 0, wall: 0, found: new Set(), findings: 0 },
    secretlint: { cpu: 0, wall: 0, found: new Set(), findings: 0 },
  };
  const timed = async (tool, block, scanOne) => {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (const f of block) await scanOne(f);
    tool.wall += performance.now() - wall;
    tool.cpu += cpuSeconds(process.cpuUsage(cpu));
  };
  let bytes = 0;
  for (let i = 0; i < files.length; ) {
    const block = [];
    for (let size = 0; i < files.length && size < blockBytes; i++) {
      const abs = join(dir, files[i]);
      const bytesOfFile = statSync(abs).size;
      size += bytesOfFile;
      block.push({ file: files[i], abs, size: bytesOfFile, rampart: [], secretlint: [] });
    }
    for (const f of block) bytes += f.size;
    await timed(tools.rampart, block, async (f) => {
      f.rampart = (await scanFile(matcher, f.abs, f.file, f.size)) ?? [];
    });
    // secretlint's own way in: read the file as text, lint the source.
    await timed(tools.secretlint, block, async (f) => {
      const content = readFileSync(f.abs, 'utf8');
      const result = await lintSource({
        source: { content, filePath: f.abs, contentType: 'text' },
        options: { config, maskSecrets: true },
      });
      f.secretlint = result.messages;
    });
    for (const f of block) {
      for (const x of f.rampart) {
        tools.rampart.findings++;
        tools.rampart.found.add(`${f.file}:${x.line}`);
      }
      for (const m of f.secretlint) {
        tools.secretlint.findings++;
        tools.secretlint.found.add(`${f.file}:${m.loc.start.line}`);
      }
    }
  }
  for (const t of Object.values(tools)) t.wall /= 1000;
  return { bytes, ...tools };
}

export async function run({ log }) {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-secret-scan-'));
  const notes = [
    'the machine was shared with other work during the run: MB/s come from process CPU time, with both scanners taking turns on the same files in blocks of ~8 MB',
  ];
  try {
    log(`generating ${corpusMb} MB corpus in ${dir} (seed 0x5ec12e7)…`);
    const planted = writeCorpus(dir, corpusMb * 1_000_000);
    const allFiles = readdirSync(dir, { recursive: true })
      .filter((f) => f.includes('.'))
      .map((f) => f.split(sep).join('/'))
      .sort();

    // Rampart alone over the whole corpus, as `rampart scan` runs (walk, read, match).
    const matcher = new SecretMatcher();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const whole = await scanPaths(matcher, ['.'], { root: dir });
    const wholeWall = (performance.now() - t0) / 1000;
    const wholeCpu = cpuSeconds(process.cpuUsage(cpu0));
    const mb = whole.stats.bytes / 1e6;
    log(
      `rampart, whole corpus: ${mb.toFixed(1)} MB in ${whole.stats.files} files, ${wholeWall.toFixed(2)} s wall (${(mb / wholeWall).toFixed(1)} MB/s), ${wholeCpu.toFixed(2)} s CPU (${(mb / wholeCpu).toFixed(1)} MB/s), ${whole.findings.length} findings`,
    );
    // The same on worker threads, as `rampart scan` runs by default (--jobs = CPUs).
    const workers = availableParallelism();
    const t1 = performance.now();
    const parallel = await scanPaths(matcher, ['.'], { root: dir, workers });
    const parallelWall = (performance.now() - t1) / 1000;
    log(
      `rampart, whole corpus on ${workers} worker threads: ${parallelWall.toFixed(2)} s wall (${(mb / parallelWall).toFixed(1)} MB/s), ${parallel.findings.length} findings`,
    );
    const rampartRecall = recallOf(
      planted,
      new Set(whole.findings.map((f) => `${f.file}:${f.line}`)),
    );

    // Side by side: every file when secretlint fits the budget, else every k-th file.
    const probe = await compareOn(dir, allFiles.slice(0, 10), matcher);
    const estimate = (whole.stats.bytes / probe.bytes) * probe.secretlint.wall;
    const stride = Math.max(1, Math.ceil(estimate / secretlintBudgetSeconds));
    const sample = stride === 1 ? allFiles : allFiles.filter((_f, i) => i % stride === 0);
    if (stride > 1)
      notes.push(
        `side by side on every ${stride}th file (${sample.length} of ${allFiles.length} files): secretlint on the whole corpus would take longer than the ${secretlintBudgetSeconds} s budget; its whole-corpus time is extrapolated from this sample`,
      );
    const side = await compareOn(dir, sample, matcher);
    const sideMb = side.bytes / 1e6;
    const rMbps = sideMb / side.rampart.cpu;
    const sMbps = sideMb / side.secretlint.cpu;
    log(
      `side by side on ${sideMb.toFixed(1)} MB (${sample.length} files): rampart ${side.rampart.cpu.toFixed(2)} s CPU = ${rMbps.toFixed(1)} MB/s (wall ${(sideMb / side.rampart.wall).toFixed(1)}), secretlint ${side.secretlint.cpu.toFixed(2)} s CPU = ${sMbps.toFixed(1)} MB/s (wall ${(sideMb / side.secretlint.wall).toFixed(1)})`,
    );
    if (stride > 1)
      log(
        `secretlint on the whole ${mb.toFixed(0)} MB, extrapolated: ${(mb / sMbps).toFixed(0)} s CPU`,
      );

    const sampleSet = stride === 1 ? undefined : new Set(sample);
    const rOnSample = recallOf(planted, side.rampart.found, sampleSet);
    const slRecall = recallOf(planted, side.secretlint.found, sampleSet);
    log('');
    log('kind                          planted  rampart  secretlint');
    for (const kind of Object.keys(rOnSample.byKind)) {
      const r = rOnSample.byKind[kind];
      const s = slRecall.byKind[kind] ?? { found: 0 };
      log(
        `${kind.padEnd(30)}${String(r.planted).padStart(7)}  ${String(r.found).padStart(7)}  ${String(s.found).padStart(10)}`,
      );
    }
    log('');
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    log(
      `recall: rampart ${pct(rampartRecall.recall)} of ${rampartRecall.planted} on the whole corpus, ${pct(rOnSample.recall)} side by side; secretlint ${pct(slRecall.recall)} (${slRecall.found}/${slRecall.planted})`,
    );
    notes.push(
      `recall on the planted secrets (14 kinds, kinds secretlint has no rule for count as its misses): rampart ${pct(rOnSample.recall)}, secretlint ${pct(slRecall.recall)}; findings beyond the planted set: rampart ${whole.findings.length - rampartRecall.found}, secretlint ${side.secretlint.findings - slRecall.found}`,
    );
    const ratio = rMbps / sMbps;
    const sWallMbps = sideMb / side.secretlint.wall;
    const rWallMbps = sideMb / side.rampart.wall;
    const parallelMbps = mb / parallelWall;
    // Wall time compared where both ran in the same turns: the --jobs run happens at
    // another moment, and on a shared machine its workers may find no free core.
    const wallRatio = rWallMbps / sWallMbps;
    notes.push(
      `wall-clock ratio from the side-by-side turns (one thread each, same moments); rampart --jobs ${workers} on the whole corpus is shown (${parallelMbps.toFixed(0)} MB/s wall) but not compared, as it ran at another moment`,
    );
    return {
      targets: [
        {
          id: 'rampart',
          label: 'rampart scan, MB/s (CPU) in the req/s column',
          rps: rMbps,
          p50: '-',
          p99: '-',
        },
        {
          id: 'rampart-wall',
          label: 'rampart scan, one thread, MB/s (wall)',
          rps: rWallMbps,
          p50: '-',
          p99: '-',
        },
        {
          id: 'rampart-parallel',
          label: `rampart scan --jobs ${workers}, whole corpus, MB/s (wall)`,
          rps: parallelMbps,
          p50: '-',
          p99: '-',
        },
        {
          id: 'secretlint-wall',
          label: 'secretlint 12, one thread, MB/s (wall)',
          rps: sWallMbps,
          p50: '-',
          p99: '-',
        },
        {
          id: 'secretlint',
          label: 'secretlint 12 preset-recommend, MB/s (CPU)',
          rps: sMbps,
          p50: '-',
          p99: '-',
        },
      ],
      comparisons: [
        {
          label: 'rampart / secretlint MB/s, CPU, one thread',
          ratio,
          minimum: 10,
          pass: ratio >= 10,
        },
        {
          label: 'rampart / secretlint MB/s, wall, one thread',
          ratio: wallRatio,
          minimum: 10,
          pass: wallRatio >= 10,
        },
        {
          label: 'recall rampart / secretlint',
          ratio: rOnSample.recall / Math.max(slRecall.recall, 1e-9),
          minimum: 1,
          pass: rOnSample.recall >= slRecall.recall,
        },
      ],
      corpus: { megabytes: mb, files: allFiles.length, planted: planted.length },
      wholeCorpus: {
        wallSeconds: wholeWall,
        cpuSeconds: wholeCpu,
        findings: whole.findings.length,
      },
      sideBySide: {
        megabytes: sideMb,
        files: sample.length,
        stride,
        rampart: { cpuSeconds: side.rampart.cpu, wallSeconds: side.rampart.wall },
        secretlint: { cpuSeconds: side.secretlint.cpu, wallSeconds: side.secretlint.wall },
      },
      recall: { rampart: rampartRecall, rampartSideBySide: rOnSample, secretlint: slRecall },
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
