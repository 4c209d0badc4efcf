import { createHash } from 'node:crypto';
import { redactSecret } from './redact.js';
import { type SecretRule, secretRules } from './rules.js';

/** A secret at a place: a file of the working tree, the git index or a commit. */
export interface SecretFinding {
  ruleId: string;
  /** Path relative to the scan root, `/`-separated. */
  file: string;
  line: number;
  column: number;
  /** The secret. Only redactedFinding() output may leave the process. */
  secret: string;
  entropy: number;
  /** The commit that added the line (history scans only). */
  commit?: string;
  /** rule + file + SHA-256 of the secret: stable when lines move, see findingFingerprint. */
  fingerprint: string;
}

/** What every output shows of a finding: the secret redacted to its first 4 characters. */
export interface RedactedFinding {
  ruleId: string;
  title: string;
  file: string;
  line: number;
  column: number;
  evidence: string;
  entropy: number;
  commit?: string;
  fingerprint: string;
}

const rulesById = new Map<string, SecretRule>(secretRules.map((r) => [r.id, r]));

export function ruleTitle(ruleId: string): string {
  return rulesById.get(ruleId)?.title ?? ruleId;
}

/**
 * The identity of a finding for the baseline: the rule, the file and a hash of the
 * secret, not the line, so edits above an accepted secret do not make it "new" again,
 * while the same secret pasted into another file does.
 */
export function findingFingerprint(ruleId: string, file: string, secret: string): string {
  const secretHash = createHash('sha256').update(secret).digest('hex');
  return createHash('sha256')
    .update(`${ruleId}\0${file}\0${secretHash}`)
    .digest('hex')
    .slice(0, 32);
}

export function redactedFinding(f: SecretFinding): RedactedFinding {
  return {
    ruleId: f.ruleId,
    title: ruleTitle(f.ruleId),
    file: f.file,
    line: f.line,
    column: f.column,
    evidence: redactSecret(f.secret),
    entropy: f.entropy,
    ...(f.commit ? { commit: f.commit } : {}),
    fingerprint: f.fingerprint,
  };
}
