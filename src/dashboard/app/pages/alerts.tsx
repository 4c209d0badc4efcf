import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { AlertChannels, type Channel } from '../components/alert-channels.js';
import { AlertRules } from '../components/alert-rules.js';
import {
  type Matcher,
  type Silence,
  SilenceForm,
  SilencesTable,
} from '../components/alert-silences.js';
import {
  AlertSeverity,
  Badge,
  Empty,
  ErrorNotice,
  PageHeader,
  Time,
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

export function AlertsPage() {
  const me = useMe();
  const writer = can(me, 'alerts:write');
  const active = useLoad(() => api.get<{ items: ActiveAlert[] }>('/v1/alerts'), []);
  const [historyState, setHistoryState] = useState('');
  const [historySeverity, setHistorySeverity] = useState('');
  const history = useLoad(
    () =>
      api.get<{ items: HistoryEntry[] }>('/v1/alerts/history', {
        limit: 50,
        state: historyState,
        severity: historySeverity,
      }),
    [historyState, historySeverity],
  );
  const silences = useLoad(() => api.get<{ items: Silence[] }>('/v1/alerts/silences'), []);
  const channels = useLoad(() => api.get<{ items: Channel[] }>('/v1/alerts/channels'), []);
  // Live: alerts and history refresh while the page is open and visible.
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      active.reload();
      history.reload();
    }, 10_000);
    return () => clearInterval(t);
  }, [active.reload, history.reload]);
  const [silencing, setSilencing] = useState<Matcher[] | undefined>(undefined);
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

      <SilencesTable writer={writer} silences={silences} />

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <div class="filters">
          <div class="field">
            <label for="history-state">State</label>
            <select
              id="history-state"
              value={historyState}
              onChange={(e) => setHistoryState(e.currentTarget.value)}
            >
              <option value="">any</option>
              {['pending', 'firing', 'resolved'].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="history-severity">Severity</label>
            <select
              id="history-severity"
              value={historySeverity}
              onChange={(e) => setHistorySeverity(e.currentTarget.value)}
            >
              <option value="">any</option>
              {['low', 'medium', 'high', 'critical'].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorNotice error={history.error} />
        {history.data?.items.length === 0 ? (
          <Empty>
            {historyState || historySeverity
              ? 'No transition matches these filters.'
              : 'No alert has changed state yet.'}
          </Empty>
        ) : null}
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

      <AlertChannels writer={writer} channels={channels} />
    </>
  );
}
