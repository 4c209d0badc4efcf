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
import { href, useRoute } from '../router.js';

interface SessionRow {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  mfa: boolean;
}

/**
 * An account's sessions and the administrator's remedies: end sessions, lift a lockout,
 * remove a lost second factor. Accounts are opened by id (from the audit trail: every
 * record links its user); the API has no account search yet.
 */
export function UsersPage() {
  const route = useRoute();
  const id = route.params.get('id') ?? '';
  const [draft, setDraft] = useState(id);
  return (
    <>
      <PageHeader title="Users & sessions" />
      <form
        class="filters"
        aria-label="Open an account"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = href('users', { id: draft.trim() });
        }}
      >
        <div class="field grow">
          <label for="account-id">Account id</label>
          <input
            id="account-id"
            value={draft}
            required
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </div>
        <button type="submit">Open</button>
      </form>
      <p class="muted small">
        Find an account id in the{' '}
        <a href={href('audit', { action: 'auth.login.*' })}>audit trail</a> (each user record links
        here).
      </p>
      {id ? <Account key={id} id={id} /> : <Empty>Enter an account id to see its sessions.</Empty>}
    </>
  );
}

function Account(props: { id: string }) {
  const path = `/v1/admin/accounts/${encodeURIComponent(props.id)}`;
  const sessions = useLoad(() => api.get<{ items: SessionRow[] }>(`${path}/sessions`), [props.id]);
  const action = useAction();
  const [done, setDone] = useState('');
  const act = (message: string, fn: () => Promise<unknown>) =>
    void action.run(async () => {
      setDone('');
      await fn();
      setDone(message);
      sessions.reload();
    });

  return (
    <section class="panel" aria-labelledby="account-title">
      <h2 id="account-title">
        Account <code>{props.id}</code>
      </h2>
      <div class="actions">
        <ConfirmButton
          label="Unlock sign-in"
          onConfirm={() => act('The lockout is lifted.', () => api.post(`${path}/unlock`))}
        />
        <ConfirmButton
          label="Reset MFA"
          danger
          onConfirm={() =>
            act('The second factor and recovery codes are removed.', () =>
              api.delete(`${path}/mfa`),
            )
          }
        />
        <ConfirmButton
          label="Revoke all sessions"
          danger
          onConfirm={() => act('Every session is ended.', () => api.delete(`${path}/sessions`))}
        />
      </div>
      <ErrorNotice error={action.error} />
      {done ? <Notice kind="success">{done}</Notice> : null}
      <h3>Active sessions</h3>
      <ErrorNotice error={sessions.error} />
      {sessions.data?.items.length === 0 ? <Empty>No active session.</Empty> : null}
      {sessions.data && sessions.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Active sessions</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Last seen</th>
                <th scope="col">Device</th>
                <th scope="col">IP</th>
                <th scope="col">MFA</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Time value={s.created_at} />
                  </td>
                  <td>
                    <Time value={s.last_seen_at} />
                  </td>
                  <td>{[s.browser, s.os, s.device].filter(Boolean).join(' · ') || '—'}</td>
                  <td>{s.ip ?? '—'}</td>
                  <td>{s.mfa ? <Badge tone="good">yes</Badge> : <Badge>no</Badge>}</td>
                  <td>
                    <ConfirmButton
                      label="Revoke"
                      danger
                      onConfirm={() =>
                        act('The session is ended.', () =>
                          api.delete(`${path}/sessions/${encodeURIComponent(s.id)}`),
                        )
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
