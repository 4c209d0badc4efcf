import { generateKeyPairSync } from 'node:crypto';
import { base62Crc32 } from '../../src/dataprotect/scanner/core/rules.js';
import { createApiKeyString } from '../../src/shared/api-key-string.js';

/**
 * Secrets for scanner tests, assembled at run time from a seeded generator so that no
 * literal token sits in the repository (where real scanners, ours included, and push
 * protection would rightly flag it).
 */
export function seededRandom(seed: number): (alphabet: string, length: number) => string {
  let state = seed >>> 0;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (alphabet, length) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
}

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';
const alnum = digits + upper + lower;
const b64 = `${alnum}+/`;
const rnd = seededRandom(20261129);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

const ghRandom = rnd(alnum, 30);
const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const pemBodyEscaped = pem.trim().split('\n').join('\\n');
const rampartKey = createApiKeyString({ env: 'prod' });
const badRampart = `${rampartKey.slice(0, -6)}${rampartKey.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
const badGhChecksum = base62Crc32(ghRandom) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';

export interface SecretSample {
  rule: string;
  /** A line that holds a secret the rule must find. */
  positive: string;
  /** The secret the rule must report. */
  secret: string;
  /** A near miss: looks alike, must not be reported by any rule. */
  negative: string;
}

function sample(rule: string, secret: string, line: (s: string) => string, negative: string) {
  return { rule, secret, positive: line(secret), negative };
}

const awsId = `AKIA${rnd(`${upper}234567`, 16)}`;
const awsSecret = rnd(b64, 40);
const jwtSig = rnd(`${alnum}-_`, 43);
const dbPassword = rnd(alnum, 18);

export const secretSamples: SecretSample[] = [
  sample(
    'aws-access-key-id',
    awsId,
    (s) => `aws_access_key_id = ${s}`,
    `id = AKIA${rnd(upper, 15)}`,
  ),
  sample(
    'aws-secret-access-key',
    awsSecret,
    (s) => `aws_secret_access_key = "${s}"`,
    `aws_secret_access_key = "${'a'.repeat(40)}"`,
  ),
  sample(
    'github-token',
    `ghp_${ghRandom}${base62Crc32(ghRandom)}`,
    (s) => `const gh = '${s}';`,
    `const gh = 'ghp_${ghRandom}${badGhChecksum}';`,
  ),
  sample(
    'github-fine-grained-token',
    `github_pat_${rnd(alnum, 22)}_${rnd(alnum, 59)}`,
    (s) => `GITHUB_TOKEN: ${s}`,
    `GITHUB_TOKEN: github_pat_${rnd(alnum, 22)}`,
  ),
  sample(
    'gitlab-token',
    `glpat-${rnd(`${alnum}-_`, 20)}`,
    (s) => `gitlab: ${s}`,
    `gitlab: glpat-${rnd(alnum, 10)}`,
  ),
  sample(
    'slack-token',
    `xoxb-${rnd(digits, 12)}-${rnd(digits, 13)}-${rnd(alnum, 24)}`,
    (s) => `slack = "${s}"`,
    'slack = "xoxb-not-a-real-one"',
  ),
  sample(
    'slack-webhook',
    `https://hooks.slack.com/services/T${rnd(upper + digits, 8)}/B${rnd(upper + digits, 8)}/${rnd(alnum, 24)}`,
    (s) => `webhook: ${s}`,
    'webhook: https://hooks.slack.com/services/TXXXX/BXXXX/XXXX',
  ),
  sample(
    'stripe-live-key',
    `sk_live_${rnd(alnum, 24)}`,
    (s) => `Stripe(${JSON.stringify(s)})`,
    `Stripe("sk_test_${rnd(alnum, 24)}")`,
  ),
  sample(
    'google-api-key',
    `AIza${rnd(`${alnum}-_`, 35)}`,
    (s) => `maps_key: ${s}`,
    `maps_key: AIza${rnd(alnum, 20)}`,
  ),
  sample(
    'google-service-account-key',
    `${pemBodyEscaped}\\n`,
    (s) => `{"type": "service_account", "private_key": "${s}", "client_email": "x@y.iam"}`,
    '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}',
  ),
  sample(
    'private-key',
    pem.trim(),
    (s) => `key = """\n${s}\n"""`,
    `-----BEGIN PUBLIC KEY-----\n${rnd(b64, 64)}\n-----END PUBLIC KEY-----`,
  ),
  sample(
    'jwt',
    `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '42', name: 'Ada' })}.${jwtSig}`,
    (s) => `Authorization: Bearer ${s}`,
    `Authorization: Bearer ${b64url({ typ: 'JWT' })}.${b64url({ sub: '42' })}.${jwtSig}`,
  ),
  sample(
    'database-url',
    dbPassword,
    (s) => `DATABASE_URL=postgres://app:${s}@db.internal:5432/app`,
    `DATABASE_URL=postgres://app:${'$'}{DB_PASSWORD}@db.internal:5432/app`,
  ),
  sample('rampart-api-key', rampartKey, (s) => `RAMPART_KEY=${s}`, `RAMPART_KEY=${badRampart}`),
  sample(
    'generic-secret-assignment',
    rnd(alnum, 32),
    (s) => `api_key = "${s}"`,
    'password = "passwordpassword" token_uri = "https://oauth2.googleapis.com/token" private_key_id = "3f8a9c0d1e2b4a6c8e0f1a3b5c7d9e1f2a4b6c8d"',
  ),
];
