import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ChannelForm } from './alert-channel-form.js';
import { DataTable } from './data-table.js';
import type { Load } from './ui.js';
import { Badge, ConfirmButton, ErrorNotice, Notice, Time, useAction, useLoad } from './ui.js';

export interface Channel {
  id: string;
  name: string;
  type: string;
  origin: 'config' | 'api';
  target: string;
  signed: boolean;
  template: string | null;
}

interface Delivery {
  id: string;
  channel: string;
  test: boolean;
  status: string;
  startedAt: string;
  durationMs: number;
  outcome: string;
  attempts: number;
  error: string | null;
}

const outcomeTone = { delivered: 'good', failed: 'bad', refused: 'warn' } as const;

/** The latest channel deliveries and their outcomes. */
function Deliveries(props: { tick: number }) {
  const log = useLoad(
    () => api.get<{ items: Delivery[] }>('/v1/alerts/deliveries', { limit: 20 }),
    [props.tick],
  );
  return (
    <section aria-labelledby="deliveries-title">
      <h3 id="deliveries-title">Latest deliveries</h3>
      <DataTable
        caption="Deliveries, newest first"
        rows={log.data?.items}
        error={log.error}
        rowKey={(d) => d.id}
        empty="Nothing has been sent yet."
        columns={[
          { header: 'Time', cell: (d) => <Time value={d.startedAt} /> },
          { header: 'Channel', cell: (d) => d.channel },
          { header: 'Notification', cell: (d) => (d.test ? 'test' : d.status) },
          {
            header: 'Outcome',
            cell: (d) => (
              <>
                <Badge tone={outcomeTone[d.outcome as keyof typeof outcomeTone] ?? 'neutral'}>
                  {d.outcome}
                </Badge>
                {d.error ? <div class="muted small">{d.error}</div> : null}
              </>
            ),
          },
          { header: 'Attempts', cell: (d) => d.attempts },
        ]}
      />
    </section>
  );
}

/**
 * Channels (their target's origin only, as the API answers): `alerts:write` adds one,
 * edits or removes those added through the API, and sends a test; then the deliveries.
 */
export function AlertChannels(props: { writer: boolean; channels: Load<{ items: Channel[] }> }) {
  const { writer, channels } = props;
  const [tested, setTested] = useState<{ name: string; delivery: Delivery } | undefined>();
  const [tick, setTick] = useState(0);
  // undefined: no form; null: a new channel; else the channel edited.
  const [editing, setEditing] = useState<Channel | null | undefined>(undefined);
  const action = useAction();
  const path = (c: Channel) => `/v1/alerts/channels/${encodeURIComponent(c.id)}`;
  return (
    <section aria-labelledby="channels-title">
      <div class="section-header">
        <h2 id="channels-title">Channels</h2>
        {writer ? (
          <button type="button" class="button-secondary" onClick={() => setEditing(null)}>
            New channel
          </button>
        ) : null}
      </div>
      {editing !== undefined ? (
        <ChannelForm
          key={editing?.id ?? 'new'}
          {...(editing ? { channel: editing } : {})}
          onCancel={() => setEditing(undefined)}
          onDone={() => {
            setEditing(undefined);
            channels.reload();
          }}
        />
      ) : null}
      <ErrorNotice error={action.error} />
      {tested ? (
        <Notice kind={tested.delivery.outcome === 'delivered' ? 'success' : 'error'}>
          Test to {tested.name}: {tested.delivery.outcome} after {tested.delivery.attempts}{' '}
          attempt(s)
          {tested.delivery.error ? ` (${tested.delivery.error})` : ''}.
        </Notice>
      ) : null}
      <DataTable
        caption="Notification channels"
        rows={channels.data?.items}
        error={channels.error}
        rowKey={(c) => c.id}
        empty="No notification channel."
        columns={[
          { header: 'Name', cell: (c) => c.name },
          { header: 'Type', cell: (c) => c.type },
          { header: 'Target', cell: (c) => <code>{c.target}</code> },
          { header: 'Signed', cell: (c) => (c.signed ? 'yes' : 'no') },
          { header: 'Source', cell: (c) => (c.origin === 'config' ? 'config file' : 'API') },
          writer && {
            header: 'Actions',
            hideHeader: true,
            class: 'row-actions',
            cell: (c) => (
              <>
                <button
                  type="button"
                  class="button-secondary"
                  aria-label={`Send a test to ${c.name}`}
                  disabled={action.pending}
                  onClick={() =>
                    void action.run(async () => {
                      setTested(undefined);
                      const delivery = await api.post<Delivery>(`${path(c)}/test`);
                      setTested({ name: c.name, delivery });
                      setTick((t) => t + 1);
                    })
                  }
                >
                  Send test
                </button>
                {c.origin === 'api' ? (
                  <>
                    <button
                      type="button"
                      class="button-secondary"
                      aria-label={`Edit ${c.name}`}
                      onClick={() => setEditing(c)}
                    >
                      Edit
                    </button>
                    <ConfirmButton
                      label="Remove"
                      confirmLabel={`Confirm: remove ${c.name}`}
                      onConfirm={() =>
                        action.run(async () => {
                          await api.delete(path(c));
                          channels.reload();
                        })
                      }
                    />
                  </>
                ) : null}
              </>
            ),
          },
        ]}
      />
      <Deliveries tick={tick} />
    </section>
  );
}
