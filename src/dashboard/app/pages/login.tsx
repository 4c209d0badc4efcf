import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, request } from '../api.js';
import { CopyButton, ErrorNotice, Notice, useAction, useLoad } from '../components/ui.js';

type Step =
  | { kind: 'password' }
  | { kind: 'mfa'; mfaToken: string }
  | { kind: 'enroll-start'; mfaToken: string }
  | { kind: 'enroll'; mfaToken: string; secret: string; otpauthUrl: string }
  | { kind: 'recovery-codes'; codes: string[] };

const cookie = { cookieSession: true } as const;

interface Provider {
  id: string;
  type: string;
  name: string;
  start_url: string;
}

/**
 * After a social login, an account with MFA comes back to `/ui/#mfa=…&mfa_token=…`: the
 * sign-in continues at the second factor, and the token leaves the address bar at once.
 */
function stepFromFragment(): Step | undefined {
  const params = new URLSearchParams(location.hash.replace(/^#\/?/, ''));
  const mfaToken = params.get('mfa_token');
  if (!mfaToken) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return params.get('mfa') === 'mfa_enrollment_required'
    ? { kind: 'enroll-start', mfaToken }
    : { kind: 'mfa', mfaToken };
}

/** Buttons for the configured social-login providers; none configured, none shown. */
function SocialLogin() {
  const providers = useLoad(
    () => api.get<{ providers: Provider[] }>('/v1/auth/oauth/providers'),
    [],
  );
  const list = providers.data?.providers ?? [];
  if (list.length === 0) return null;
  return (
    <div class="social-login">
      <p class="muted small">or</p>
      {list.map((p) => (
        <a
          key={p.id}
          class="button button-secondary"
          href={`${p.start_url}?${new URLSearchParams({ return: location.pathname })}`}
        >
          Sign in with {p.name}
        </a>
      ))}
    </div>
  );
}

/**
 * Sign-in: password, then the second factor when the account has one (or enrolment when
 * the role requires MFA). The tokens arrive as HttpOnly cookies, never in page script.
 */
export function LoginPage(props: { onSignedIn: () => void }) {
  const [step, setStep] = useState<Step>(() => stepFromFragment() ?? { kind: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const action = useAction();

  const startEnrolment = async (mfaToken: string) => {
    const setup = await request<{ secret: string; otpauthUrl: string }>(
      '/v1/auth/login/mfa/enroll',
      { method: 'POST', body: { mfa_token: mfaToken } },
    );
    setStep({ kind: 'enroll', mfaToken, ...setup });
  };
  useEffect(() => {
    if (step.kind === 'enroll-start') void action.run(() => startEnrolment(step.mfaToken));
  }, [step, action.run]);

  const signIn = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      try {
        await request('/v1/auth/login', { method: 'POST', body: { email, password }, ...cookie });
        props.onSignedIn();
      } catch (error) {
        const token =
          error instanceof ApiError ? (error.problem.mfa_token as string | undefined) : undefined;
        if (error instanceof ApiError && token && error.code === 'mfa_required') {
          setPassword('');
          setStep({ kind: 'mfa', mfaToken: token });
          return;
        }
        if (error instanceof ApiError && token && error.code === 'mfa_enrollment_required') {
          setPassword('');
          await startEnrolment(token);
          return;
        }
        throw error;
      }
    });
  };

  const verify = (e: Event) => {
    e.preventDefault();
    if (step.kind !== 'mfa' && step.kind !== 'enroll') return;
    void action.run(async () => {
      if (step.kind === 'mfa') {
        const body = useRecovery
          ? { mfa_token: step.mfaToken, recovery_code: code.trim() }
          : { mfa_token: step.mfaToken, code: code.trim() };
        await request('/v1/auth/login/mfa', { method: 'POST', body, ...cookie });
        props.onSignedIn();
        return;
      }
      const done = await request<{ recoveryCodes?: string[] }>('/v1/auth/login/mfa/activate', {
        method: 'POST',
        body: { mfa_token: step.mfaToken, code: code.trim() },
        ...cookie,
      });
      if (done.recoveryCodes?.length)
        setStep({ kind: 'recovery-codes', codes: done.recoveryCodes });
      else props.onSignedIn();
    });
  };

  return (
    <main class="login" id="main">
      <div class="login-card">
        <h1>Sign in to Rampart</h1>
        <ErrorNotice error={action.error} />
        {step.kind === 'password' ? (
          <form onSubmit={signIn}>
            <label for="email">Email</label>
            <input
              id="email"
              type="email"
              autocomplete="username"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <label for="password">Password</label>
            <input
              id="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <button type="submit" disabled={action.pending}>
              {action.pending ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        ) : null}
        {step.kind === 'password' ? <SocialLogin /> : null}
        {step.kind === 'mfa' || step.kind === 'enroll' ? (
          <form onSubmit={verify}>
            {step.kind === 'enroll' ? (
              <>
                <p>
                  Your role requires a second factor. Add this secret to an authenticator app, then
                  enter the code it shows.
                </p>
                <p class="secret">
                  <code>{step.secret}</code> <CopyButton text={step.secret} label="Copy secret" />
                </p>
              </>
            ) : (
              <p>Enter the code from your authenticator app.</p>
            )}
            <label for="code">{useRecovery ? 'Recovery code' : 'Authentication code'}</label>
            <input
              id="code"
              inputMode={useRecovery ? 'text' : 'numeric'}
              autocomplete="one-time-code"
              required
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
            <button type="submit" disabled={action.pending}>
              {action.pending ? 'Checking…' : 'Verify'}
            </button>
            {step.kind === 'mfa' ? (
              <button
                type="button"
                class="button-link"
                onClick={() => {
                  setUseRecovery(!useRecovery);
                  setCode('');
                }}
              >
                {useRecovery ? 'Use an authenticator code' : 'Use a recovery code'}
              </button>
            ) : null}
          </form>
        ) : null}
        {step.kind === 'recovery-codes' ? (
          <div>
            <Notice kind="info">
              Store these recovery codes somewhere safe. Each works once, and they are shown only
              now.
            </Notice>
            <pre class="codes">{step.codes.join('\n')}</pre>
            <CopyButton text={step.codes.join('\n')} label="Copy codes" />{' '}
            <button type="button" onClick={props.onSignedIn}>
              Continue
            </button>
          </div>
        ) : null}
      </div>
    </main>
  );
}
