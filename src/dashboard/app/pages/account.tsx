import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { IdentitiesPanel, PrivacyPanel } from '../components/account-data.js';
import {
  Badge,
  ConfirmButton,
  CopyButton,
  ErrorNotice,
  Notice,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';
import { useMe } from '../session.js';

interface MfaStatus {
  totp: { enabled: boolean; enabledAt: string | null };
  recoveryCodesRemaining: number;
}

interface MySession {
  id: string;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  browser: string | null;
  os: string | null;
  mfa: boolean;
  current: boolean;
}

/** Your own account: second factor, sessions and password. */
export function AccountPage() {
  const me = useMe();
  return (
    <>
      <PageHeader title="My account" />
      <p>
        {me.email} <span class="muted">({me.roles.join(', ') || 'no role'})</span>
      </p>
      <MfaPanel />
      <SessionsPanel />
      <PasswordPanel />
      <IdentitiesPanel />
      <PrivacyPanel />
    </>
  );
}

function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  return (
    <div>
      <Notice kind="info">
        Store these recovery codes somewhere safe: each works once, and they are shown only now.
      </Notice>
      <pre class="codes">{props.codes.join('\n')}</pre>
      <CopyButton text={props.codes.join('\n')} label="Copy codes" />{' '}
      <button type="button" onClick={props.onDone}>
        I have stored them
      </button>
    </div>
  );
}

function MfaPanel() {
  const status = useLoad(() => api.get<MfaStatus>('/v1/mfa'), []);
  const action = useAction();
  const [setup, setSetup] = useState<{ secret: string } | undefined>(undefined);
  const [codes, setCodes] = useState<string[] | undefined>(undefined);
  const [code, setCode] = useState('');
  const enabled = status.data?.totp.enabled ?? false;

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const path = setup ? '/v1/mfa/totp/activate' : '/v1/mfa/recovery-codes';
      const done = await api.post<{ recoveryCodes: string[] }>(path, { code: code.trim() });
      setCodes(done.recoveryCodes);
      setSetup(undefined);
      setCode('');
      status.reload();
    });
  };

  return (
    <section class="panel" aria-labelledby="mfa-title">
      <h2 id="mfa-title">
        Two-factor authentication{' '}
        {status.data ? (
          <Badge tone={enabled ? 'good' : 'warn'}>{enabled ? 'on' : 'off'}</Badge>
        ) : null}
      </h2>
      <ErrorNotice error={status.error} />
      <ErrorNotice error={action.error} />
      {codes ? <RecoveryCodes codes={codes} onDone={() => setCodes(undefined)} /> : null}
      {status.data && enabled && !codes ? (
        <p>
          On since <Time value={status.data.totp.enabledAt} />; {status.data.recoveryCodesRemaining}{' '}
          recovery codes left.
        </p>
      ) : null}
      {status.data && !enabled && !setup && !codes ? (
        <button
          type="button"
          disabled={action.pending}
          onClick={() =>
            void action.run(async () =>
              setSetup(await api.post<{ secret: string }>('/v1/mfa/totp/setup')),
            )
          }
        >
          Set up an authenticator app
        </button>
      ) : null}
      {setup ? (
        <p class="secret">
          Add this secret to your authenticator app: <code>{setup.secret}</code>{' '}
          <CopyButton text={setup.secret} label="Copy secret" />
        </p>
      ) : null}
      {setup || (enabled && !codes) ? (
        <form
          class="filters"
          onSubmit={submit}
          aria-label={setup ? 'Turn on two-factor authentication' : 'New recovery codes'}
        >
          <div class="field">
            <label for="mfa-code">Code from the app</label>
            <input
              id="mfa-code"
              inputMode="numeric"
              autocomplete="one-time-code"
              required
              pattern="[0-9]{6,8}"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </div>
          <button type="submit" disabled={action.pending}>
            {setup ? 'Turn on' : 'New recovery codes'}
          </button>
        </form>
      ) : null}
    </section>
  );
}

function SessionsPanel() {
  const sessions = useLoad(() => api.get<{ items: MySession[] }>('/v1/sessions'), []);
  const action = useAction();
  const act = (fn: () => Promise<unknown>) =>
    action.run(async () => {
      await fn();
      sessions.reload();
    });
  return (
    <section class="panel" aria-labelledby="my-sessions-title">
      <h2 id="my-sessions-title">Your sessions</h2>
      <ErrorNotice error={sessions.error} />
      <ErrorNotice error={action.error} />
      {sessions.data ? (
        <>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Your sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">IP</th>
                  <th scope="col">Started</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {[s.browser, s.os].filter(Boolean).join(' · ') || '—'}{' '}
                      {s.current ? <Badge tone="good">this one</Badge> : null}
                    </td>
                    <td>{s.ip ?? '—'}</td>
                    <td>
                      <Time value={s.created_at} />
                    </td>
                    <td>
                      <Time value={s.last_seen_at} />
                    </td>
                    <td>
                      {s.current ? null : (
                        <ConfirmButton
                          label="Sign out"
                          danger
                          onConfirm={() =>
                            act(() => api.delete(`/v1/sessions/${encodeURIComponent(s.id)}`))
                          }
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {sessions.data.items.some((s) => !s.current) ? (
            <ConfirmButton
              label="Sign out every other session"
              danger
              onConfirm={() => act(() => api.delete('/v1/sessions'))}
            />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function PasswordPanel() {
  const action = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState<number | undefined>(undefined);
  return (
    <form
      class="panel"
      aria-labelledby="password-title"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const res = await api.post<{ ended_sessions: number }>('/v1/auth/password/change', {
            current_password: current,
            new_password: next,
          });
          setDone(res.ended_sessions);
          setCurrent('');
          setNext('');
        });
      }}
    >
      <h2 id="password-title">Change your password</h2>
      <ErrorNotice error={action.error} />
      {done !== undefined ? (
        <Notice kind="success">Password changed; {done} other sessions were signed out.</Notice>
      ) : null}
      <label for="current-password">Current password</label>
      <input
        id="current-password"
        type="password"
        autocomplete="current-password"
        required
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
      />
      <label for="new-password">New password</label>
      <input
        id="new-password"
        type="password"
        autocomplete="new-password"
        required
        value={next}
        onInput={(e) => setNext(e.currentTarget.value)}
      />
      <button type="submit" disabled={action.pending}>
        Change password
      </button>
    </form>
  );
}
