import type { LabelMatcher, Silence } from './alert-rule.js';

/** Whether one matcher holds for a label set (an absent label reads as the empty string). */
export function matcherHolds(
  matcher: LabelMatcher,
  labels: Readonly<Record<string, string>>,
): boolean {
  const value = labels[matcher.label] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return anchored(matcher.value).test(value);
    case '!~':
      return !anchored(matcher.value).test(value);
  }
}

// Prometheus anchors regex matchers at both ends.
const compiled = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether an active silence (startsAt ≤ now < endsAt, every matcher holding) covers the labels. */
export function isSilenced(
  silences: readonly Silence[],
  labels: Readonly<Record<string, string>>,
  now: number,
): boolean {
  return silences.some(
    (s) => s.startsAt <= now && now < s.endsAt && s.matchers.every((m) => matcherHolds(m, labels)),
  );
}
