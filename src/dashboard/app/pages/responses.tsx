import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  Badge,
  ConfirmButton,
  Empty,
  ErrorNotice,
  Notice,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';
import { duration } from './incidents.js';

interface ResponseAction {
  id: string;
  incidentId: string | null;
  detector: string | null;
  action: string;
  subject: { type: string | null; id: string | null } | null;
  status: string;
  reversible: boolean;
  createdAt: string;
  revertedAt: string | null;
  revertedBy: string | null;
}

interface ReadOnlyState {
  enabled: boolean;
  since: string | null;
  reason: string | null;
  by: string | null;
}

interface SecurityReport {
  period: { from: string; to: string };
  authentication: Record<string, number>;
  operations: Record<string, number | Record<string, Record<string, number>>>;
  compliance: {
    coverage: number;
    controls: { control: string; enabled: boolean; detail: string }[];
  };
  incidents: {
    opened: number;
    bySeverity: Record<string, number>;
    byStatus: Record<string, number>;
    mttd: number | null;
    mtta: number | null;
    mttc: number | null;
    mttr: number | null;
  };
}

const periods = [
  { label: 'Last day', ms: 86_400_000 },
  { label: 'Last week', ms: 7 * 86_400_000 },
  { label: 'Last 30 days', ms: 30 * 86_400_000 },
];

const statusTone = {
  executed: 'bad',
  dry_run: 'neutral',
  skipped: 'neutral',
  failed: 'warn',
  reverted: 'good',
} as const;

function Counts(props: { counts: Record<string, number> }) {
  const entries = Object.entries(props.counts);
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <dl class="pairs">
      {entries.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{v.toLocaleString()}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function Report() {
  const [period, setPeriod] = useState(periods[1]?.ms ?? 604_800_000);
  const report = useLoad(
    () =>
      api.get<SecurityReport>('/v1/reports/security', {
        from: new Date(Date.now() - period).toISOString(),
      }),
    [period],
  );
  const r = report.data;
  const scalar = (o: SecurityReport['operations']) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'number')) as Record<
      string,
      number
    >;
  return (
    <section class="panel" aria-labelledby="report-title">
      <div class="section-header">
        <h2 id="report-title">Security report</h2>
        <div class="field">
          <label for="report-period">Period</label>
          <select
            id="report-period"
            value={period}
            onChange={(e) => setPeriod(Number(e.currentTarget.value))}
          >
            {periods.map((p) => (
              <option key={p.ms} value={p.ms}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={report.error} />
      {r ? (
        <div class="two-forms">
          <div>
            <h3>Authentication</h3>
            <Counts counts={r.authentication} />
          </div>
          <div>
            <h3>Operations</h3>
            <Counts counts={scalar(r.operations)} />
          </div>
          <div>
            <h3>Incidents</h3>
            <dl class="pairs">
              <dt>opened</dt>
              <dd>{r.incidents.opened}</dd>
              <dt>mean time to detect</dt>
              <dd>{duration(r.incidents.mttd)}</dd>
              <dt>mean time to acknowledge</dt>
              <dd>{duration(r.incidents.mtta)}</dd>
              <dt>mean time to contain</dt>
              <dd>{duration(r.incidents.mttc)}</dd>
              <dt>mean time to resolve</dt>
              <dd>{duration(r.incidents.mttr)}</dd>
            </dl>
          </div>
          <div>
            <h3>Controls ({Math.round(r.compliance.coverage * 100)} % on)</h3>
            <ul class="plain">
              {r.compliance.controls.map((c) => (
                <li key={c.control}>
                  <Badge tone={c.enabled ? 'good' : 'warn'}>{c.enabled ? 'on' : 'off'}</Badge>{' '}
                  {c.control} <span class="muted small">{c.detail}</span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** Automated responses, read-only mode and the security report (ADMIN, as their API). */
export function ResponsesPage() {
  const actions = useLoad(
    () => api.get<{ items: ResponseAction[] }>('/v1/responses', { limit: 100 }),
    [],
  );
  const readOnly = useLoad(() => api.get<ReadOnlyState>('/v1/admin/read-only'), []);
  const action = useAction();
  const ro = readOnly.data;
  return (
    <>
      <PageHeader title="Responses and report" />
      <section class="panel" aria-labelledby="read-only-title">
        <h2 id="read-only-title">
          Read-only mode{' '}
          {ro ? (
            <Badge tone={ro.enabled ? 'bad' : 'good'}>{ro.enabled ? 'on' : 'off'}</Badge>
          ) : null}
        </h2>
        <ErrorNotice error={readOnly.error} />
        {ro?.enabled ? (
          <>
            <Notice kind="info">
              Since <Time value={ro.since} />
              {ro.by ? ` by ${ro.by}` : ''}: {ro.reason ?? 'no reason given'}. Unsafe requests
              answer 503.
            </Notice>
            <ConfirmButton
              label="Turn read-only mode off"
              onConfirm={() =>
                action.run(async () => {
                  await api.delete('/v1/admin/read-only');
                  readOnly.reload();
                })
              }
            />
          </>
        ) : ro ? (
          <p class="muted">Every node accepts changes.</p>
        ) : null}
      </section>
      <ErrorNotice error={action.error} />
      <section aria-labelledby="actions-title">
        <h2 id="actions-title">Automated responses</h2>
        <ErrorNotice error={actions.error} />
        {actions.data?.items.length === 0 ? <Empty>No automated response yet.</Empty> : null}
        {actions.data && actions.data.items.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Automated responses, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Action</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Detector</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {actions.data.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Time value={a.createdAt} />
                    </td>
                    <td>{a.action}</td>
                    <td>
                      {a.subject ? (
                        <code>
                          {a.subject.type}:{a.subject.id}
                        </code>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td>{a.detector ?? <span class="muted">—</span>}</td>
                    <td>
                      <Badge tone={statusTone[a.status as keyof typeof statusTone] ?? 'neutral'}>
                        {a.status}
                      </Badge>
                    </td>
                    <td>
                      {a.reversible ? (
                        <ConfirmButton
                          label="Revert"
                          confirmLabel={`Confirm: revert ${a.action}`}
                          onConfirm={() =>
                            action.run(async () => {
                              await api.post(`/v1/responses/${encodeURIComponent(a.id)}/revert`);
                              actions.reload();
                              readOnly.reload();
                            })
                          }
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <Report />
    </>
  );
}
