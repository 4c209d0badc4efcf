import { RampartError } from '../../../errors/rampart-error.js';
import { alertErrors } from '../../errors.js';
import type { AlertRuleDefinition, LabelMatcher } from './alert-rule.js';
import { signalLabelNames } from './signal-window.js';

export interface Problem {
  path: string;
  message: string;
}

export interface RuleContext {
  /** Whether this instance's registry has the metric (a histogram's _count/_sum/_bucket too). */
  metricExists: (name: string) => boolean;
  channelExists: (name: string) => boolean;
}

/** Everything wrong with a rule beyond its JSON shape; empty when valid. */
export function ruleProblems(rule: AlertRuleDefinition, ctx: RuleContext): Problem[] {
  const problems: Problem[] = [];
  if ((rule.metric === undefined) === (rule.signal === undefined)) {
    problems.push({ path: '/metric', message: 'give exactly one of metric and signal' });
  }
  if (rule.metric && !ctx.metricExists(rule.metric.name)) {
    problems.push({ path: '/metric/name', message: `unknown metric ${rule.metric.name}` });
  }
  if (rule.signal) {
    for (const label of Object.keys(rule.signal.labels)) {
      if (!(signalLabelNames as readonly string[]).includes(label))
        problems.push({
          path: `/signal/labels/${label}`,
          message: `signal labels are ${signalLabelNames.join(', ')}`,
        });
    }
    for (const label of rule.groupBy) {
      if (!(signalLabelNames as readonly string[]).includes(label))
        problems.push({
          path: '/groupBy',
          message: `a signal rule groups by ${signalLabelNames.join(', ')}`,
        });
    }
  }
  if (!(rule.window > 0)) problems.push({ path: '/window', message: 'must be above 0' });
  rule.channels.forEach((name, i) => {
    if (!ctx.channelExists(name))
      problems.push({ path: `/channels/${i}`, message: `unknown channel ${name}` });
  });
  return problems;
}

export function assertValidRule(rule: AlertRuleDefinition, ctx: RuleContext): void {
  const errors = ruleProblems(rule, ctx);
  if (errors.length > 0)
    throw new RampartError(alertErrors.alert_rule_invalid, {
      detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      extensions: { errors },
    });
}

/** Everything wrong with a silence beyond its JSON shape. */
export function silenceProblems(
  matchers: readonly LabelMatcher[],
  startsAt: number,
  endsAt: number,
): Problem[] {
  const problems: Problem[] = [];
  if (!(endsAt > startsAt)) problems.push({ path: '/endsAt', message: 'must be after startsAt' });
  matchers.forEach((m, i) => {
    if (m.op === '=~' || m.op === '!~') {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch {
        problems.push({ path: `/matchers/${i}/value`, message: 'not a valid regular expression' });
      }
    }
  });
  return problems;
}
