import { readFile, writeFile } from 'node:fs/promises';
import { quoteValue } from '../../shared/terminal-text.js';
import { redactedFinding, type SecretFinding } from './core/finding.js';

/**
 * A baseline: the findings a team has accepted (test fixtures, revoked keys kept in
 * history). Stored as fingerprints with redacted context, never the secrets, so the
 * file itself is safe to commit.
 */
export interface BaselineFile {
  version: 1;
  generatedAt: string;
  findings: { fingerprint: string; ruleId: string; file: string; evidence: string }[];
}

export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

export async function readBaseline(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new Set();
    // EACCES, EISDIR, ENAMETOOLONG…: a wrong --baseline, reported as such.
    throw new BaselineError(
      `baseline ${quoteValue(path)} cannot be read (${code ?? 'unreadable'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BaselineError(`baseline ${quoteValue(path)} is not JSON`);
  }
  const findings = (parsed as Partial<BaselineFile>)?.findings;
  if (!Array.isArray(findings) || (parsed as BaselineFile).version !== 1)
    throw new BaselineError(`baseline ${quoteValue(path)} is not a version 1 Rampart baseline`);
  return new Set(
    findings
      .map((f) => (f as { fingerprint?: unknown }).fingerprint)
      .filter((f): f is string => typeof f === 'string'),
  );
}

export async function writeBaseline(
  path: string,
  findings: readonly SecretFinding[],
): Promise<void> {
  const seen = new Set<string>();
  const entries: BaselineFile['findings'] = [];
  for (const f of findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    const r = redactedFinding(f);
    entries.push({
      fingerprint: r.fingerprint,
      ruleId: r.ruleId,
      file: r.file,
      evidence: r.evidence,
    });
  }
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.ruleId.localeCompare(b.ruleId));
  const file: BaselineFile = {
    version: 1,
    generatedAt: new Date().toISOString(),
    findings: entries,
  };
  try {
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BaselineError(
      `baseline ${quoteValue(path)} cannot be written (${code ?? 'unwritable'})`,
    );
  }
}
