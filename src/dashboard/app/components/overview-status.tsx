import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import { href } from '../router.js';
import { can, isAdmin, useMe } from '../session.js';
import { Badge, Empty, ErrorNotice, Time, useLoad } from './ui.js';

interface ScheduledCheck {
  componentId: string;
  checkType: string;
  status: 'pass' | 'warn' | 'fail';
  observedValue?: number | string | boolean;
  observedUnit?: string;
  output?: string;
  consecutiveFailures: number;
  since: string;
}

interface ChecksReport {
  status: 'pass' | 'warn' | 'fail';
  health: string;
  nodeId: string;
  checks: Record<string, ScheduledCheck[]>;
}

interface HistoryEntry {
  id: string;
  time: string;
  nodeId: string;
  kind: 'run' | 'check_changed' | 'status_changed';
  check: string | null;
  status: 'pass' | 'warn' | 'fail';
  previousStatus: 'pass' | 'warn' | 'fail' | null;
  output: string | null;
}

const tone = { pass: 'good', warn: 'warn', fail: 'bad' } as const;

/** Counts that link to their page; a count the viewer may not read is not shown. */
export function OpenCounts(props: { tick: number }) {
  const me = useMe();
  const alerts = useLoad(
    () =>
      can(me, 'alerts:read')
        ? api.get<{ items: { state: string }[] }>('/v1/alerts').then((r) => r.items)
        : Promise.resolve(undefined),
    [props.tick],
  );
  const incidents = useLoad(
    () =>
      isAdmin(me)
        ? api
            .get<{ items: { status: string }[] }>('/v1/incidents', { limit: 500 })
            .then((r) => r.items.filter((i) => i.status !== 'resolved'))
        : Promise.resolve(undefined),
    [props.tick],
  );
  const firing = alerts.data?.filter((a) => a.state === 'firing').length ?? 0;
  if (!alerts.data && !incidents.data) return null;
  return (
    <dl class="stats">
      {alerts.data ? (
        <div class={`stat ${firing > 0 ? 'stat-bad' : ''}`}>
          <dt>
            <a href={href('alerts')}>Alerts firing</a>
          </dt>
          <dd>
            {firing}
            {alerts.data.length > firing ? (
              <span class="muted small"> (+{alerts.data.length - firing} pending)</span>
            ) : null}
          </dd>
        </div>
      ) : null}
      {incidents.data ? (
        <div class={`stat ${incidents.data.length > 0 ? 'stat-warn' : ''}`}>
          <dt>
            <a href={href('incidents')}>Open incidents</a>
          </dt>
          <dd>{incidents.data.length}</dd>
        </div>
      ) : null}
    </dl>
  );
}

/** Each scheduled health check with its recent changes (`monitor:read`). */
export function ScheduledChecks(props: { refreshMs: number }) {
  const me = useMe();
  const readChecks = can(me, 'monitor:read');
  const checks = useLoad(
    () => (readChecks ? api.get<ChecksReport>('/v1/health/checks') : Promise.resolve(undefined)),
    [],
  );
  const changes = useLoad(
    () =>
      readChecks
        ? api.get<{ entries: HistoryEntry[] }>('/v1/health/history', { changes: true, limit: 10 })
        : Promise.resolve(undefined),
    [],
  );
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      checks.reload();
      changes.reload();
    }, props.refreshMs);
    return () => clearInterval(t);
  }, [props.refreshMs, checks.reload, changes.reload]);

  const rows = Object.values(checks.data?.checks ?? {}).flat();
  if (!readChecks) return null;
  return (
    <>
      {readChecks ? (
        <section class="panel" aria-labelledby="checks-title">
          <h2 id="checks-title">
            Scheduled checks{' '}
            {checks.data ? (
              <Badge tone={tone[checks.data.status]}>{checks.data.health}</Badge>
            ) : null}
          </h2>
          <ErrorNotice error={checks.error} />
          {checks.data && rows.length === 0 ? (
            <Empty>No scheduled check runs on this node (health.checks).</Empty>
          ) : null}
          {rows.length > 0 ? (
            <table>
              <caption class="visually-hidden">Scheduled checks on {checks.data?.nodeId}</caption>
              <thead>
                <tr>
                  <th scope="col">Check</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Observed</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.componentId}>
                    <td>{c.componentId}</td>
                    <td>{c.checkType}</td>
                    <td>
                      <Badge tone={tone[c.status]}>{c.status}</Badge>
                      {c.consecutiveFailures > 0 ? (
                        <span class="muted small"> {c.consecutiveFailures} failed in a row</span>
                      ) : null}
                    </td>
                    <td>
                      {c.observedValue === undefined ? '—' : String(c.observedValue)}{' '}
                      {c.observedUnit ?? ''}
                      {c.output ? <div class="muted small">{c.output}</div> : null}
                    </td>
                    <td>
                      <Time value={c.since} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <h3>Recent changes</h3>
          <ErrorNotice error={changes.error} />
          {changes.data?.entries.length === 0 ? <Empty>No change recorded.</Empty> : null}
          {changes.data && changes.data.entries.length > 0 ? (
            <ul class="plain">
              {changes.data.entries.map((e) => (
                <li key={e.id}>
                  <Time value={e.time} /> {e.check ?? 'overall status'}:{' '}
                  {e.previousStatus ? (
                    <>
                      <Badge tone={tone[e.previousStatus]}>{e.previousStatus}</Badge> →{' '}
                    </>
                  ) : null}
                  <Badge tone={tone[e.status]}>{e.status}</Badge>
                  <span class="muted small"> on {e.nodeId}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
