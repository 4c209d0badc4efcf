import type { SecretRule } from './rules.js';

/** A rule's match before lines are counted: byte offsets in the input. */
export interface Raw {
  rule: SecretRule;
  secret: string;
  start: number;
  end: number;
}

const nonAscii = /[\u0080-\uffff]/;

/** Drops duplicates (overlapping windows) and generic hits that a specific rule explains. */
export function resolve(raws: Raw[]): Raw[] {
  raws.sort(
    (a, b) =>
      a.start - b.start || Number(a.rule.generic ?? false) - Number(b.rule.generic ?? false),
  );
  const specific = raws.filter((r) => !r.rule.generic);
  const out: Raw[] = [];
  const keys = new Set<string>();
  for (const r of raws) {
    const key = `${r.rule.id}:${r.start}`;
    if (keys.has(key)) continue;
    keys.add(key);
    if (r.rule.generic && specific.some((s) => s.start < r.end && r.start < s.end)) continue;
    out.push(r);
  }
  return out;
}

/**
 * Records a match of `rule` in `source`, a latin1 window starting at byte `base` of the
 * input: the secret is decoded back to UTF-8 before the rule judges it.
 */
export function accept(
  rule: SecretRule,
  m: RegExpExecArray,
  source: string,
  base: number,
  out: Raw[],
) {
  const span = m.indices?.groups?.secret ?? m.indices?.[0];
  if (!span) return;
  let secret = source.slice(span[0], span[1]);
  if (nonAscii.test(secret)) secret = Buffer.from(secret, 'latin1').toString('utf8');
  if (rule.validate && !rule.validate(secret, m)) return;
  out.push({ rule, secret, start: base + span[0], end: base + span[1] });
}
