import type { AlertNotification } from '../alerts/core/alert-rule.js';

export const defaultTemplate =
  '[{{status}}] {{ruleName}} ({{severity}}): value {{value}}, threshold {{threshold}}. {{summary}}';

/** Escapes a substituted value for where the text goes (never the template itself). */
export type Escaper = (value: string) => string;

export const escapeNothing: Escaper = (v) => v;
/** Slack mrkdwn: &, < and > are control characters (Slack API docs, "Formatting text"). */
export const escapeSlack: Escaper = (v) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A header line (e-mail subject): no line breaks, so a value cannot add a header. */
export const escapeHeader: Escaper = (v) => v.replace(/[\r\n]+/g, ' ');

/** The fields a template may name: `{{status}}`, `{{labels.team}}`, `{{annotations.runbook}}`… */
export function templateFields(n: AlertNotification): Record<string, string> {
  const fields: Record<string, string> = {
    status: n.status,
    ruleName: n.ruleName,
    severity: n.severity,
    value: String(Math.round(n.value * 1000) / 1000),
    threshold: String(n.threshold),
    fingerprint: n.fingerprint,
    startsAt: new Date(n.startsAt).toISOString(),
    endsAt: n.endsAt === null ? '' : new Date(n.endsAt).toISOString(),
    summary: n.annotations.summary ?? '',
    description: n.annotations.description ?? '',
    reason: n.reason ?? '',
  };
  for (const [k, v] of Object.entries(n.labels)) fields[`labels.${k}`] = v;
  for (const [k, v] of Object.entries(n.annotations)) fields[`annotations.${k}`] = v;
  return fields;
}

/**
 * Simple `{{field}}` substitution (unknown fields become empty), each value escaped for
 * the channel. No logic, loops or code: a template from the API can do nothing but print.
 */
export function renderTemplate(
  template: string,
  notification: AlertNotification,
  escapeValue: Escaper,
): string {
  const fields = templateFields(notification);
  return template.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (_m, name: string) =>
    escapeValue(fields[name] ?? ''),
  );
}
