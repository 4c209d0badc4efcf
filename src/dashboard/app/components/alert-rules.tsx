import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  AlertSeverity,
  Badge,
  ConfirmButton,
  Empty,
  ErrorNotice,
  useAction,
  useLoad,
} from './ui.js';

export interface AlertRule {
  id: string;
  name: string;
  origin: 'config' | 'api';
  metric?: { name: string; labels: Record<string, string> };
  signal?: { labels: Record<string, string>; field?: string };
  aggregation: 'rate' | 'avg' | 'max' | 'count';
  window: number;
  operator: 'gt' | 'gte' | 'lt' | 'lte' | 'eq';
  threshold: number;
  for: number;
  severity: 'low' | 'medium' | 'high' | 'critical';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  channels: string[];
  cooldown: number;
  repeatInterval: number;
  groupBy: string[];
  enabled: boolean;
}

const operators = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=' } as const;

/** `a=b, c=d` ↔ `{a: 'b', c: 'd'}`: labels typed on one line. */
const labelsText = (l: Record<string, string>) =>
  Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 1) throw new Error(`Not a label: ${p} (write name=value)`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}
const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

interface Draft {
  name: string;
  source: 'signal' | 'metric';
  metricName: string;
  sourceLabels: string;
  aggregation: AlertRule['aggregation'];
  window: string;
  operator: AlertRule['operator'];
  threshold: string;
  forSeconds: string;
  severity: AlertRule['severity'];
  groupBy: string;
  channels: string;
  summary: string;
  enabled: boolean;
}

const blank: Draft = {
  name: '',
  source: 'signal',
  metricName: '',
  sourceLabels: 'detector=brute_force',
  aggregation: 'count',
  window: '300',
  operator: 'gte',
  threshold: '1',
  forSeconds: '0',
  severity: 'medium',
  groupBy: 'key',
  channels: '',
  summary: '',
  enabled: true,
};

function draftOf(r: AlertRule): Draft {
  return {
    name: r.name,
    source: r.metric ? 'metric' : 'signal',
    metricName: r.metric?.name ?? '',
    sourceLabels: labelsText(r.metric?.labels ?? r.signal?.labels ?? {}),
    aggregation: r.aggregation,
    window: String(r.window),
    operator: r.operator,
    threshold: String(r.threshold),
    forSeconds: String(r.for),
    severity: r.severity,
    groupBy: r.groupBy.join(', '),
    channels: r.channels.join(', '),
    summary: r.annotations.summary ?? '',
    enabled: r.enabled,
  };
}

/** The API body of a draft; what the form does not show is kept from the edited rule. */
function bodyOf(d: Draft, editing: AlertRule | undefined) {
  const labels = parseLabels(d.sourceLabels);
  const annotations = { ...(editing?.annotations ?? {}) };
  if (d.summary.trim()) annotations.summary = d.summary.trim();
  else delete annotations.summary;
  return {
    name: d.name.trim(),
    ...(d.source === 'metric'
      ? { metric: { name: d.metricName.trim(), labels } }
      : { signal: { labels, ...(editing?.signal?.field ? { field: editing.signal.field } : {}) } }),
    aggregation: d.aggregation,
    window: Number(d.window),
    operator: d.operator,
    threshold: Number(d.threshold),
    for: Number(d.forSeconds),
    severity: d.severity,
    labels: editing?.labels ?? {},
    annotations,
    channels: listOf(d.channels),
    cooldown: editing?.cooldown ?? 0,
    repeatInterval: editing?.repeatInterval ?? 0,
    groupBy: listOf(d.groupBy),
    enabled: d.enabled,
  };
}

function RuleForm(props: {
  editing: AlertRule | undefined;
  channels: string[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [d, setD] = useState<Draft>(props.editing ? draftOf(props.editing) : blank);
  const action = useAction();
  const set =
    (k: keyof Draft) => (e: Event & { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
      setD({ ...d, [k]: e.currentTarget.value });
  const input = (k: keyof Draft, label: string, extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`rule-${k}`}>{label}</label>
      <input id={`rule-${k}`} value={String(d[k])} onInput={set(k)} {...extra} />
    </div>
  );
  const select = (k: keyof Draft, label: string, options: readonly string[]) => (
    <div class="field">
      <label for={`rule-${k}`}>{label}</label>
      <select id={`rule-${k}`} value={String(d[k])} onChange={set(k)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form
      class="panel"
      aria-labelledby="rule-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const body = bodyOf(d, props.editing);
          if (props.editing)
            await api.put(`/v1/alerts/rules/${encodeURIComponent(props.editing.id)}`, body);
          else await api.post('/v1/alerts/rules', body);
          props.onDone();
        });
      }}
    >
      <h2 id="rule-form-title">
        {props.editing ? `Edit rule ${props.editing.name}` : 'New alert rule'}
      </h2>
      <div class="filters">
        {input('name', 'Rule name', { required: true, maxLength: 64 })}
        {select('source', 'Source', ['signal', 'metric'])}
        {d.source === 'metric' ? input('metricName', 'Metric', { required: true }) : null}
        {input('sourceLabels', d.source === 'metric' ? 'Metric labels' : 'Signal labels', {
          placeholder: 'detector=brute_force',
        })}
      </div>
      <div class="filters">
        {select('aggregation', 'Aggregation', ['count', 'rate', 'avg', 'max'])}
        {input('window', 'Window (s)', { type: 'number', min: 1, required: true })}
        {select('operator', 'Operator', Object.keys(operators))}
        {input('threshold', 'Threshold', { type: 'number', step: 'any', required: true })}
        {input('forSeconds', 'For (s)', { type: 'number', min: 0 })}
        {select('severity', 'Severity', ['low', 'medium', 'high', 'critical'])}
      </div>
      <div class="filters">
        {input('groupBy', 'Group by labels', { placeholder: 'key' })}
        {input('channels', 'Channels', {
          placeholder: props.channels.join(', ') || 'none configured',
        })}
        <div class="field grow">
          <label for="rule-summary">Summary</label>
          <input
            id="rule-summary"
            value={d.summary}
            placeholder="brute force on {{labels.key}}"
            onInput={set('summary')}
          />
        </div>
        <div class="field checkbox">
          <input
            id="rule-enabled"
            type="checkbox"
            checked={d.enabled}
            onChange={(e) => setD({ ...d, enabled: e.currentTarget.checked })}
          />
          <label for="rule-enabled">Enabled</label>
        </div>
      </div>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.pending}>
          {props.editing ? 'Save rule' : 'Add rule'}
        </button>
        <button type="button" class="button-secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Alert rules: everyone with `alerts:read` lists them; `alerts:write` adds, edits, deletes. */
export function AlertRules(props: { writer: boolean; channels: string[] }) {
  const rules = useLoad(() => api.get<{ items: AlertRule[] }>('/v1/alerts/rules'), []);
  const [form, setForm] = useState<{ editing: AlertRule | undefined } | undefined>();
  const action = useAction();
  return (
    <section aria-labelledby="rules-title">
      <div class="section-header">
        <h2 id="rules-title">Rules</h2>
        {props.writer && !form ? (
          <button type="button" onClick={() => setForm({ editing: undefined })}>
            New rule
          </button>
        ) : null}
      </div>
      {form ? (
        <RuleForm
          key={form.editing?.id ?? 'new'}
          editing={form.editing}
          channels={props.channels}
          onCancel={() => setForm(undefined)}
          onDone={() => {
            setForm(undefined);
            rules.reload();
          }}
        />
      ) : null}
      <ErrorNotice error={rules.error} />
      <ErrorNotice error={action.error} />
      {rules.data?.items.length === 0 ? <Empty>No alert rule.</Empty> : null}
      {rules.data && rules.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Alert rules</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Condition</th>
                <th scope="col">Severity</th>
                <th scope="col">Channels</th>
                <th scope="col">Source</th>
                {props.writer ? (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {rules.data.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.name} {r.enabled ? null : <Badge>disabled</Badge>}
                  </td>
                  <td>
                    <code>
                      {r.aggregation}(
                      {r.metric
                        ? `${r.metric.name}{${labelsText(r.metric.labels)}}`
                        : `signal{${labelsText(r.signal?.labels ?? {})}}`}
                      [{r.window}s]) {operators[r.operator]} {r.threshold}
                      {r.for > 0 ? ` for ${r.for}s` : ''}
                    </code>
                  </td>
                  <td>
                    <AlertSeverity severity={r.severity} />
                  </td>
                  <td>{r.channels.join(', ') || <span class="muted">—</span>}</td>
                  <td>{r.origin === 'config' ? 'config file' : 'API'}</td>
                  {props.writer ? (
                    <td class="row-actions">
                      {r.origin === 'api' ? (
                        <>
                          <button
                            type="button"
                            class="button-secondary"
                            aria-label={`Edit ${r.name}`}
                            onClick={() => setForm({ editing: r })}
                          >
                            Edit
                          </button>
                          <ConfirmButton
                            label="Delete"
                            confirmLabel={`Confirm: delete ${r.name}`}
                            danger
                            onConfirm={() =>
                              action.run(async () => {
                                await api.delete(`/v1/alerts/rules/${encodeURIComponent(r.id)}`);
                                rules.reload();
                              })
                            }
                          />
                        </>
                      ) : (
                        <span class="muted small">read-only</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
