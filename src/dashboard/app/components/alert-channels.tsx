import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Load } from './ui.js';
import { Badge, Empty, ErrorNotice, Notice, Time, useAction, useLoad } from './ui.js';

export interface Channel {
  id: string;
  name: string;
  type: string;
  origin: 'config' | 'api';
  target: string;
  signed: boolean;
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
      <ErrorNotice error={log.error} />
      {log.data?.items.length === 0 ? <Empty>Nothing has been sent yet.</Empty> : null}
      {log.data && log.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Channel</th>
                <th scope="col">Notification</th>
                <th scope="col">Outcome</th>
                <th scope="col">Attempts</th>
              </tr>
            </thead>
            <tbody>
              {log.data.items.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Time value={d.startedAt} />
                  </td>
                  <td>{d.channel}</td>
                  <td>{d.test ? 'test' : d.status}</td>
                  <td>
                    <Badge tone={outcomeTone[d.outcome as keyof typeof outcomeTone] ?? 'neutral'}>
                      {d.outcome}
                    </Badge>
                    {d.error ? <div class="muted small">{d.error}</div> : null}
                  </td>
                  <td>{d.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Channels (their target's origin only, as the API answers) with "send test", and deliveries. */
export function AlertChannels(props: { writer: boolean; channels: Load<{ items: Channel[] }> }) {
  const { writer, channels } = props;
  const [tested, setTested] = useState<{ name: string; delivery: Delivery } | undefined>();
  const [tick, setTick] = useState(0);
  const action = useAction();
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Channels</h2>
      <ErrorNotice error={channels.error} />
      <ErrorNotice error={action.error} />
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
                            setTick((t) => t + 1);
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
      <Deliveries tick={tick} />
    </section>
  );
}
