import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { AlertRules } from '../components/alert-rules.js';
import {
  AlertSeverity,
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
import { can, useMe } from '../session.js';

interface ActiveAlert {
  fingerprint: string;
  ruleName: string;
  severity: string;
  state: 'pending' | 'firing';
  labels: Record<string, string>;
  value: number;
  activeSince: string | null;
  firedAt: string | null;
}

interface HistoryEntry {
  id: string;
  ruleName: string;
  severity: string;
  labels: Record<string, string>;
  state: string;
  value: number;
  silenced: boolean;
  notified: boolean;
  time: string;
}

interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string | null;
  active: boolean;
}

interface Channel {
  id: string;
  name: string;
  type: string;
  origin: 'config' | 'api';
  target: string;
  signed: boolean;
}

interface Delivery {
  outcome: string;
  attempts: number;
  error: string | null;
}

const durations = [
  { label: '15 minutes', seconds: 900 },
  { label: '1 hour', seconds: 3600 },
  { label: '4 hours', seconds: 14_400 },
  { label: '1 day', seconds: 86_400 },
  { label: '1 week', seconds: 604_800 },
];

function Labels(props: { labels: Record<string, string> }) {
  const entries = Object.entries(props.labels);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <span class="labels">
      {entries.map(([k, v]) => (
        <code key={k}>
          {k}={v}
        </code>
      ))}
    </span>
  );
}

const matcherText = (m: Matcher[]) => m.map((x) => `${x.label}${x.op}"${x.value}"`).join(', ');

/** The silence form: one line of matchers per label (`label=value`, `label=~regex`, …). */
function SilenceForm(props: { initial: Matcher[]; onDone: () => void; onCancel: () => void }) {
  const [text, setText] = useState(
    props.initial.map((m) => `${m.label}${m.op}${m.value}`).join('\n'),
  );
  const [duration, setDuration] = useState(3600);
  const [comment, setComment] = useState('');
  const action = useAction();
  const parse = (): Matcher[] =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => {
        const m = line.match(/^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*)$/);
        if (!m) throw new Error(`Not a matcher: ${line} (write label=value, !=, =~ or !~)`);
        return { label: m[1] as string, op: m[2] as Matcher['op'], value: m[3] as string };
      });
  return (
    <form
      class="panel"
      aria-labelledby="silence-title"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await api.post('/v1/alerts/silences', {
            matchers: parse(),
            endsAt: new Date(Date.now() + duration * 1000).toISOString(),
            comment: comment.trim(),
          });
          props.onDone();
        });
      }}
    >
      <h2 id="silence-title">New silence</h2>
      <label for="silence-matchers">Label matchers (one a line)</label>
      <textarea
        id="silence-matchers"
        rows={4}
        required
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <p class="help">
        Alerts whose labels match every line notify nobody while the silence lasts.
      </p>
      <label for="silence-duration">Duration</label>
      <select
        id="silence-duration"
        value={duration}
        onChange={(e) => setDuration(Number(e.currentTarget.value))}
      >
        {durations.map((d) => (
          <option key={d.seconds} value={d.seconds}>
            {d.label}
          </option>
        ))}
      </select>
      <label for="silence-comment">Comment</label>
      <input
        id="silence-comment"
        maxLength={1024}
        value={comment}
        onInput={(e) => setComment(e.currentTarget.value)}
      />
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.pending}>
          Create silence
        </button>
        <button type="button" class="button-secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function AlertsPage() {
  const me = useMe();
  const writer = can(me, 'alerts:write');
  const active = useLoad(() => api.get<{ items: ActiveAlert[] }>('/v1/alerts'), []);
  const history = useLoad(
    () => api.get<{ items: HistoryEntry[] }>('/v1/alerts/history', { limit: 50 }),
    [],
  );
  const silences = useLoad(() => api.get<{ items: Silence[] }>('/v1/alerts/silences'), []);
  const channels = useLoad(() => api.get<{ items: Channel[] }>('/v1/alerts/channels'), []);
  const [silencing, setSilencing] = useState<Matcher[] | undefined>(undefined);
  const [tested, setTested] = useState<{ name: string; delivery: Delivery } | undefined>();
  const action = useAction();
  const reloadAll = () => {
    active.reload();
    history.reload();
    silences.reload();
  };

  return (
    <>
      <PageHeader title="Alerts">
        <button type="button" class="button-secondary" onClick={reloadAll}>
          Refresh
        </button>
        {writer ? (
          <button type="button" class="button-secondary" onClick={() => setSilencing([])}>
            New silence
          </button>
        ) : null}
      </PageHeader>
      {silencing ? (
        <SilenceForm
          initial={silencing}
          onCancel={() => setSilencing(undefined)}
          onDone={() => {
            setSilencing(undefined);
            reloadAll();
          }}
        />
      ) : null}
      <ErrorNotice error={action.error} />
      <section aria-labelledby="active-title">
        <h2 id="active-title">Firing and pending</h2>
        <ErrorNotice error={active.error} />
        {active.data?.items.length === 0 ? <Empty>No alert is pending or firing.</Empty> : null}
        {active.data && active.data.items.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Active alerts</caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Severity</th>
                  <th scope="col">State</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Value</th>
                  <th scope="col">Since</th>
                  {writer ? (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {active.data.items.map((a) => (
                  <tr key={a.fingerprint}>
                    <td>{a.ruleName}</td>
                    <td>
                      <AlertSeverity severity={a.severity} />
                    </td>
                    <td>
                      <Badge tone={a.state === 'firing' ? 'bad' : 'warn'}>{a.state}</Badge>
                    </td>
                    <td>
                      <Labels labels={a.labels} />
                    </td>
                    <td>{a.value.toLocaleString()}</td>
                    <td>
                      <Time value={a.firedAt ?? a.activeSince} />
                    </td>
                    {writer ? (
                      <td>
                        <button
                          type="button"
                          class="button-secondary"
                          aria-label={`Silence ${a.ruleName}`}
                          onClick={() =>
                            setSilencing(
                              Object.entries(a.labels).map(([label, value]) => ({
                                label,
                                op: '=',
                                value,
                              })),
                            )
                          }
                        >
                          Silence
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="silences-title">
        <h2 id="silences-title">Silences</h2>
        <ErrorNotice error={silences.error} />
        {silences.data?.items.length === 0 ? <Empty>No silence.</Empty> : null}
        {silences.data && silences.data.items.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Silences</caption>
              <thead>
                <tr>
                  <th scope="col">Matchers</th>
                  <th scope="col">State</th>
                  <th scope="col">Ends</th>
                  <th scope="col">Comment</th>
                  {writer ? (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {silences.data.items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <code>{matcherText(s.matchers)}</code>
                    </td>
                    <td>
                      <Badge tone={s.active ? 'good' : 'neutral'}>
                        {s.active ? 'active' : 'inactive'}
                      </Badge>
                    </td>
                    <td>
                      <Time value={s.endsAt} />
                    </td>
                    <td>{s.comment || <span class="muted">—</span>}</td>
                    {writer ? (
                      <td>
                        <ConfirmButton
                          label="Remove"
                          confirmLabel="Confirm: remove silence"
                          onConfirm={() =>
                            action.run(async () => {
                              await api.delete(`/v1/alerts/silences/${encodeURIComponent(s.id)}`);
                              silences.reload();
                            })
                          }
                        />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <ErrorNotice error={history.error} />
        {history.data?.items.length === 0 ? <Empty>No alert has changed state yet.</Empty> : null}
        {history.data && history.data.items.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Alert history, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Rule</th>
                  <th scope="col">State</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Value</th>
                  <th scope="col">Notified</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((h) => (
                  <tr key={h.id}>
                    <td>
                      <Time value={h.time} />
                    </td>
                    <td>{h.ruleName}</td>
                    <td>
                      <Badge
                        tone={
                          h.state === 'firing' ? 'bad' : h.state === 'resolved' ? 'good' : 'warn'
                        }
                      >
                        {h.state}
                      </Badge>
                    </td>
                    <td>
                      <Labels labels={h.labels} />
                    </td>
                    <td>{h.value.toLocaleString()}</td>
                    <td>{h.silenced ? 'silenced' : h.notified ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <AlertRules writer={writer} channels={channels.data?.items.map((c) => c.name) ?? []} />

      <section aria-labelledby="channels-title">
        <h2 id="channels-title">Channels</h2>
        <ErrorNotice error={channels.error} />
        {tested ? (
          <Notice kind={tested.delivery.outcome === 'delivered' ? 'success' : 'error'}>
            Test to {tested.name}: {tested.delivery.outcome} after {tested.delivery.attempts}{' '}
            attempt(s)
            {tested.delivery.error ? ` (${tested.delivery.error})` : ''}.
          </Notice>
        ) : null}
        {channels.data?.items.length === 0 ? <Empty>No notification channel.</Empty> : null}
        {channels.data && channels.data.items.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Notification channels</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Target</th>
                  <th scope="col">Signed</th>
                  <th scope="col">Source</th>
                  {writer ? (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {channels.data.items.map((c) => (
                  <tr key={c.id}>
                    <td>{c.name}</td>
                    <td>{c.type}</td>
                    <td>
                      <code>{c.target}</code>
                    </td>
                    <td>{c.signed ? 'yes' : 'no'}</td>
                    <td>{c.origin === 'config' ? 'config file' : 'API'}</td>
                    {writer ? (
                      <td>
                        <button
                          type="button"
                          class="button-secondary"
                          aria-label={`Send a test to ${c.name}`}
                          disabled={action.pending}
                          onClick={() =>
                            void action.run(async () => {
                              setTested(undefined);
                              const delivery = await api.post<Delivery>(
                                `/v1/alerts/channels/${encodeURIComponent(c.id)}/test`,
                              );
                              setTested({ name: c.name, delivery });
                            })
                          }
                        >
                          Send test
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
