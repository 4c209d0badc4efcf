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
import { DataTable } from '../components/data-table.js';
import { SelectField } from '../components/form-fields.js';
import { AlertSeverity, Badge, PageHeader, Time, useLoad } from '../components/ui.js';
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
        <DataTable
          caption="Active alerts"
          rows={active.data?.items}
          error={active.error}
          rowKey={(a) => a.fingerprint}
          empty="No alert is pending or firing."
          columns={[
            { header: 'Rule', cell: (a) => a.ruleName },
            { header: 'Severity', cell: (a) => <AlertSeverity severity={a.severity} /> },
            {
              header: 'State',
              cell: (a) => <Badge tone={a.state === 'firing' ? 'bad' : 'warn'}>{a.state}</Badge>,
            },
            { header: 'Labels', cell: (a) => <Labels labels={a.labels} /> },
            { header: 'Value', cell: (a) => a.value.toLocaleString() },
            { header: 'Since', cell: (a) => <Time value={a.firedAt ?? a.activeSince} /> },
            writer && {
              header: 'Actions',
              hideHeader: true,
              cell: (a) => (
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
              ),
            },
          ]}
        />
      </section>

      <SilencesTable writer={writer} silences={silences} />

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <div class="filters">
          <SelectField
            id="history-state"
            label="State"
            value={historyState}
            onChange={setHistoryState}
            options={[{ value: '', label: 'any' }, 'pending', 'firing', 'resolved']}
          />
          <SelectField
            id="history-severity"
            label="Severity"
            value={historySeverity}
            onChange={setHistorySeverity}
            options={[{ value: '', label: 'any' }, 'low', 'medium', 'high', 'critical']}
          />
        </div>
        <DataTable
          caption="Alert history, newest first"
          rows={history.data?.items}
          error={history.error}
          rowKey={(h) => h.id}
          empty={
            historyState || historySeverity
              ? 'No transition matches these filters.'
              : 'No alert has changed state yet.'
          }
          columns={[
            { header: 'Time', cell: (h) => <Time value={h.time} /> },
            { header: 'Rule', cell: (h) => h.ruleName },
            {
              header: 'State',
              cell: (h) => (
                <Badge
                  tone={h.state === 'firing' ? 'bad' : h.state === 'resolved' ? 'good' : 'warn'}
                >
                  {h.state}
                </Badge>
              ),
            },
            { header: 'Labels', cell: (h) => <Labels labels={h.labels} /> },
            { header: 'Value', cell: (h) => h.value.toLocaleString() },
            {
              header: 'Notified',
              cell: (h) => (h.silenced ? 'silenced' : h.notified ? 'yes' : 'no'),
            },
          ]}
        />
      </section>

      <AlertRules writer={writer} channels={channels.data?.items.map((c) => c.name) ?? []} />

      <AlertChannels writer={writer} channels={channels} />
    </>
  );
}
