import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorNotice, Notice, useAction } from '../components/ui.js';

/** The page a password reset email links to: `/ui/reset-password#token=…`. */
export function ResetPasswordPage() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api.post('/v1/auth/password/reset', { token, new_password: password });
      setDone(true);
    });
  };
  return (
    <main class="login" id="main">
      <div class="login-card">
        <h1>Choose a new password</h1>
        <ErrorNotice error={action.error} />
        {done ? (
          <Notice kind="success">
            Your password is changed and every session was signed out. <a href="/ui/">Sign in</a>
          </Notice>
        ) : token ? (
          <form onSubmit={submit}>
            <label for="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              autocomplete="new-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <button type="submit" disabled={action.pending}>
              Set password
            </button>
          </form>
        ) : (
          <Notice kind="error">This link has no reset token. Request a new email.</Notice>
        )}
      </div>
    </main>
  );
}
