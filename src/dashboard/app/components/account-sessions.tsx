import { api } from '../api.js';
import { DataTable } from './data-table.js';
import { Badge, ConfirmButton, ErrorNotice, Time, useAction, useLoad } from './ui.js';

interface SessionRow {
  id: string;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  mfa: boolean;
}

/** An account's active sessions; an administrator ends one at a time here. */
export function AccountSessions(props: {
  path: string;
  tick: number;
  admin: boolean;
  onChanged: () => void;
}) {
  const sessions = useLoad(
    () => api.get<{ items: SessionRow[] }>(`${props.path}/sessions`),
    [props.path, props.tick],
  );
  const action = useAction();
  return (
    <section class="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Active sessions</h2>
      <ErrorNotice error={action.error} />
      <DataTable
        caption="Active sessions"
        rows={sessions.data?.items}
        error={sessions.error}
        loading={sessions.loading}
        rowKey={(s) => s.id}
        empty="No active session."
        columns={[
          { header: 'Started', cell: (s) => <Time value={s.created_at} /> },
          { header: 'Last seen', cell: (s) => <Time value={s.last_seen_at} /> },
          {
            header: 'Device',
            cell: (s) => [s.browser, s.os, s.device].filter(Boolean).join(' · ') || '—',
          },
          { header: 'IP', cell: (s) => s.ip ?? '—' },
          {
            header: 'MFA',
            cell: (s) => (s.mfa ? <Badge tone="good">yes</Badge> : <Badge>no</Badge>),
          },
          props.admin && {
            header: 'Actions',
            hideHeader: true,
            cell: (s) => (
              <ConfirmButton
                label="Revoke"
                danger
                onConfirm={() =>
                  action.run(async () => {
                    await api.delete(`${props.path}/sessions/${encodeURIComponent(s.id)}`);
                    sessions.reload();
                    props.onChanged();
                  })
                }
              />
            ),
          },
        ]}
      />
    </section>
  );
}
