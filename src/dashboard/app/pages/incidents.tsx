import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  AlertSeverity,
  Badge,
  Empty,
  ErrorNotice,
  Loading,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';
import { href, useRoute } from '../router.js';

type Status = 'open' | 'acknowledged' | 'contained' | 'resolved';

interface Incident {
  id: string;
  title: string;
  severity: string;
  status: Status;
  key: string | null;
  openedBy: string;
  startedAt: string;
  openedAt: string;
  acknowledgedAt: string | null;
  containedAt: string | null;
  resolvedAt: string | null;
  timeToDetect: number;
  timeToAcknowledge: number | null;
  timeToContain: number | null;
  timeToResolve: number | null;
}

interface TimelineEntry {
  id: string;
  time: string;
  kind: 'signal' | 'action' | 'notification' | 'note' | 'status';
  summary: string;
  actor: string | null;
}

const statusTone = {
  open: 'bad',
  acknowledged: 'warn',
  contained: 'warn',
  resolved: 'good',
} as const;
const statuses: Status[] = ['open', 'acknowledged', 'contained', 'resolved'];
const moves: { status: Status; label: string }[] = [
  { status: 'acknowledged', label: 'Acknowledge' },
  { status: 'contained', label: 'Contain' },
  { status: 'resolved', label: 'Resolve' },
];

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function IncidentDetail(props: { id: string; onChanged: () => void }) {
  const detail = useLoad(
    () =>
      api.get<Incident & { timeline: TimelineEntry[] }>(
        `/v1/incidents/${encodeURIComponent(props.id)}`,
      ),
    [props.id],
  );
  const [note, setNote] = useState('');
  const action = useAction();
  const i = detail.data;
  const done = () => {
    setNote('');
    detail.reload();
    props.onChanged();
  };
  const rank = i ? statuses.indexOf(i.status) : 0;
  return (
    <section class="panel" aria-labelledby="incident-title">
      {detail.loading && !i ? <Loading /> : null}
      <ErrorNotice error={detail.error} />
      {i ? (
        <>
          <h2 id="incident-title">
            {i.title} <AlertSeverity severity={i.severity} />{' '}
            <Badge tone={statusTone[i.status]}>{i.status}</Badge>
          </h2>
          <dl class="pairs">
            <dt>Started</dt>
            <dd>
              <Time value={i.startedAt} />
            </dd>
            <dt>Opened</dt>
            <dd>
              <Time value={i.openedAt} /> by <code>{i.openedBy}</code>
            </dd>
            {i.key ? (
              <>
                <dt>Key</dt>
                <dd>
                  <code>{i.key}</code>
                </dd>
              </>
            ) : null}
            <dt>Time to detect / acknowledge / contain / resolve</dt>
            <dd>
              {duration(i.timeToDetect)} / {duration(i.timeToAcknowledge)} /{' '}
              {duration(i.timeToContain)} / {duration(i.timeToResolve)}
            </dd>
          </dl>
          <h3>Timeline</h3>
          <ol class="timeline" aria-label="Timeline">
            {i.timeline.map((e) => (
              <li key={e.id}>
                <Time value={e.time} /> <Badge>{e.kind}</Badge> {e.summary}
                {e.actor ? <span class="muted small"> — {e.actor}</span> : null}
              </li>
            ))}
          </ol>
          <form
            aria-label="Add to the incident"
            onSubmit={(e) => {
              e.preventDefault();
              void action.run(async () => {
                await api.post(`/v1/incidents/${encodeURIComponent(i.id)}/notes`, {
                  text: note.trim(),
                });
                done();
              });
            }}
          >
            <div class="field">
              <label for="incident-note">Note</label>
              <textarea
                id="incident-note"
                rows={3}
                maxLength={4000}
                value={note}
                onInput={(e) => setNote(e.currentTarget.value)}
              />
            </div>
            <div class="actions">
              <button type="submit" disabled={action.pending || !note.trim()}>
                Add note
              </button>
              {moves
                .filter((m) => statuses.indexOf(m.status) > rank)
                .map((m) => (
                  <button
                    key={m.status}
                    type="button"
                    class="button-secondary"
                    disabled={action.pending}
                    onClick={() =>
                      void action.run(async () => {
                        await api.post(`/v1/incidents/${encodeURIComponent(i.id)}/status`, {
                          status: m.status,
                          ...(note.trim() ? { note: note.trim() } : {}),
                        });
                        done();
                      })
                    }
                  >
                    {m.label}
                  </button>
                ))}
            </div>
            <p class="help">A note typed above goes on the timeline with the status change.</p>
          </form>
          <ErrorNotice error={action.error} />
        </>
      ) : null}
    </section>
  );
}

export function IncidentsPage() {
  const route = useRoute();
  const selected = route.params.get('id');
  // The status filter lives in the URL, so opening an incident and coming back keeps it.
  const status = route.params.get('status') ?? '';
  const linkTo = (params: { status?: string; id?: string }) =>
    href('incidents', { status, id: selected, ...params });
  const list = useLoad(
    () => api.get<{ items: Incident[] }>('/v1/incidents', { status, limit: 100 }),
    [status],
  );
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState('medium');
  const [note, setNote] = useState('');
  const open = useAction();

  return (
    <>
      <PageHeader title="Incidents">
        <a class="button button-secondary" href={href('responses')}>
          Responses and report
        </a>
      </PageHeader>
      <form
        class="panel"
        aria-labelledby="open-title"
        onSubmit={(e) => {
          e.preventDefault();
          void open.run(async () => {
            const created = await api.post<Incident>('/v1/incidents', {
              title: title.trim(),
              severity,
              ...(note.trim() ? { note: note.trim() } : {}),
            });
            setTitle('');
            setNote('');
            list.reload();
            location.hash = linkTo({ id: created.id });
          });
        }}
      >
        <h2 id="open-title">Open an incident</h2>
        <div class="filters">
          <div class="field grow">
            <label for="incident-title-input">Title</label>
            <input
              id="incident-title-input"
              required
              maxLength={200}
              value={title}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="incident-severity">Severity</label>
            <select
              id="incident-severity"
              value={severity}
              onChange={(e) => setSeverity(e.currentTarget.value)}
            >
              {['low', 'medium', 'high', 'critical'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div class="field grow">
            <label for="incident-first-note">First note</label>
            <input
              id="incident-first-note"
              maxLength={4000}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </div>
        </div>
        <button type="submit" disabled={open.pending}>
          Open incident
        </button>
        <ErrorNotice error={open.error} />
      </form>
      {selected ? <IncidentDetail key={selected} id={selected} onChanged={list.reload} /> : null}
      <div class="filters">
        <div class="field">
          <label for="incident-status-filter">Status</label>
          <select
            id="incident-status-filter"
            value={status}
            onChange={(e) => {
              location.hash = linkTo({ status: e.currentTarget.value });
            }}
          >
            <option value="">any</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={list.error} />
      {list.data?.items.length === 0 ? <Empty>No incident.</Empty> : null}
      {list.data && list.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Incidents, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Severity</th>
                <th scope="col">Status</th>
                <th scope="col">Opened</th>
                <th scope="col">Time to resolve</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((i) => (
                <tr key={i.id} class={i.id === selected ? 'selected' : undefined}>
                  <td>
                    <a href={linkTo({ id: i.id })}>{i.title}</a>
                  </td>
                  <td>
                    <AlertSeverity severity={i.severity} />
                  </td>
                  <td>
                    <Badge tone={statusTone[i.status]}>{i.status}</Badge>
                  </td>
                  <td>
                    <Time value={i.openedAt} />
                  </td>
                  <td>{duration(i.timeToResolve)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
