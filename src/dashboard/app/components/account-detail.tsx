import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { AccountSummary } from '../pages/users.js';
import { href } from '../router.js';
import { isAdmin, useMe } from '../session.js';
import { AccountSessions } from './account-sessions.js';
import { CheckboxGroup, SelectField } from './form-fields.js';
import {
  Badge,
  ConfirmButton,
  ErrorNotice,
  Loading,
  Notice,
  Time,
  useAction,
  useLoad,
} from './ui.js';

interface AccountDetailJson extends AccountSummary {
  updated_at: string;
  assigned_roles: string[];
  mfa_enabled: boolean;
  linked_identities: number;
  active_sessions: number;
  active_api_keys: number;
}

const builtInRoles = ['ADMIN', 'DEVELOPER', 'VIEWER'];
const lockDurations = [
  { value: '', label: 'the configured lock duration' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '1 week' },
];
const list = (xs: string[]) => (xs.length ? xs.join(', ') : '—');

/**
 * One account as the admin account API describes it, with the administrator's remedies:
 * lock or unlock, end sessions, remove a lost second factor, change built-in roles, delete.
 * Role changes and deletion are step-up routes: without a recent MFA sign-in the API
 * answers step_up_required, which the error line turns into "sign in again with MFA".
 */
export function AccountDetail(props: { id: string }) {
  const admin = isAdmin(useMe());
  const path = `/v1/admin/accounts/${encodeURIComponent(props.id)}`;
  const account = useLoad(() => api.get<AccountDetailJson>(path), [props.id]);
  const [sessionsTick, setSessionsTick] = useState(0);
  const [roles, setRoles] = useState<string[] | undefined>(undefined);
  const [lockFor, setLockFor] = useState('');
  const [done, setDone] = useState('');
  const [deleted, setDeleted] = useState<string | undefined>(undefined);
  const action = useAction();
  const rolesAction = useAction();
  const deleteAction = useAction();
  const act = (fn: () => Promise<string>, by = action) =>
    by.run(async () => {
      setDone('');
      setDone(await fn());
      account.reload();
      setSessionsTick((t) => t + 1);
    });

  if (deleted) {
    return (
      <Notice kind="success">
        The account is deleted; the audit trail names it <code>{deleted}</code>.{' '}
        <a href={href('users')}>Back to all accounts</a>
      </Notice>
    );
  }
  const a = account.data;
  if (!a) return account.error ? <ErrorNotice error={account.error} /> : <Loading />;
  const held = roles ?? a.roles;
  return (
    <>
      <section class="panel" aria-labelledby="account-title">
        <h2 id="account-title">{a.email}</h2>
        <dl class="pairs">
          <dt>Account id</dt>
          <dd>
            <code>{a.id}</code>
          </dd>
          <dt>Name</dt>
          <dd>{a.name ?? '—'}</dd>
          <dt>Status</dt>
          <dd>
            <Badge tone={a.status === 'active' ? 'good' : 'neutral'}>{a.status}</Badge>{' '}
            {a.locked ? (
              <>
                <Badge tone="bad">locked</Badge> until <Time value={a.locked_until} />
              </>
            ) : (
              <span class="muted">not locked</span>
            )}
          </dd>
          <dt>Roles held</dt>
          <dd>{list(a.roles)}</dd>
          <dt>Roles assigned by policy</dt>
          <dd>{list(a.assigned_roles)}</dd>
          <dt>Effective roles</dt>
          <dd>{list(a.effective_roles)}</dd>
          <dt>Second factor</dt>
          <dd>{a.mfa_enabled ? <Badge tone="good">TOTP on</Badge> : <Badge>none</Badge>}</dd>
          <dt>Linked identities</dt>
          <dd>{a.linked_identities}</dd>
          <dt>Active sessions</dt>
          <dd>{a.active_sessions}</dd>
          <dt>Active API keys</dt>
          <dd>{a.active_api_keys}</dd>
          <dt>Created</dt>
          <dd>
            <Time value={a.created_at} />
          </dd>
        </dl>
        <ErrorNotice error={action.error} />
        {done ? <Notice kind="success">{done}</Notice> : null}
        {admin ? (
          <div class="actions">
            {a.locked ? (
              <ConfirmButton
                label="Unlock"
                onConfirm={() =>
                  act(async () => {
                    await api.post(`${path}/unlock`);
                    return 'The lock is lifted.';
                  })
                }
              />
            ) : null}
            {a.mfa_enabled ? (
              <ConfirmButton
                label="Reset MFA"
                danger
                onConfirm={() =>
                  act(async () => {
                    await api.delete(`${path}/mfa`);
                    return 'The second factor and recovery codes are removed.';
                  })
                }
              />
            ) : null}
            <ConfirmButton
              label="Revoke all sessions"
              danger
              onConfirm={() =>
                act(async () => {
                  await api.delete(`${path}/sessions`);
                  return 'Every session is ended.';
                })
              }
            />
          </div>
        ) : null}
      </section>
      {admin ? (
        <div class="two-forms">
          <section class="panel" aria-labelledby="lock-title">
            <h2 id="lock-title">Lock</h2>
            <p class="help">Sign-in is refused (password and social) and every session ends.</p>
            <SelectField
              id="lock-duration"
              label="Lock for"
              value={lockFor}
              onChange={setLockFor}
              options={lockDurations}
            />
            <div class="actions">
              <ConfirmButton
                label="Lock account"
                danger
                onConfirm={() =>
                  act(async () => {
                    const r = await api.post<{ locked_until: string; sessions_revoked: number }>(
                      `${path}/lock`,
                      lockFor ? { duration_seconds: Number(lockFor) } : {},
                    );
                    return `Locked until ${new Date(r.locked_until).toLocaleString()}; ${r.sessions_revoked} session(s) ended.`;
                  })
                }
              />
            </div>
          </section>
          <section class="panel" aria-labelledby="roles-title">
            <h2 id="roles-title">Built-in roles</h2>
            <CheckboxGroup
              legend="Roles held"
              idPrefix="account-role"
              options={builtInRoles}
              checked={held}
              onChange={setRoles}
            />
            <p class="help">
              Custom roles are assigned on the <a href={href('policy')}>policy page</a>. Needs a
              recent sign-in with MFA.
            </p>
            <ErrorNotice error={rolesAction.error} />
            <div class="actions">
              <button
                type="button"
                disabled={rolesAction.pending || roles === undefined}
                onClick={() =>
                  void act(async () => {
                    const saved = await api.put<AccountDetailJson>(`${path}/roles`, {
                      roles: held,
                    });
                    setRoles(undefined);
                    return `Roles saved: ${list(saved.roles)}.`;
                  }, rolesAction)
                }
              >
                Save roles
              </button>
            </div>
          </section>
        </div>
      ) : null}
      <AccountSessions path={path} tick={sessionsTick} admin={admin} onChanged={account.reload} />
      {admin ? (
        <section class="panel" aria-labelledby="delete-title">
          <h2 id="delete-title">Delete the account</h2>
          <p class="help">
            Personal data is erased; sessions and keys are revoked; audit records stay, naming the
            account by its id. Needs a recent sign-in with MFA.
          </p>
          <ErrorNotice error={deleteAction.error} />
          <ConfirmButton
            label="Delete account"
            confirmLabel={`Confirm: delete ${a.email}`}
            danger
            onConfirm={() =>
              deleteAction.run(async () => {
                const r = await api.delete<{ pseudonym: string }>(path);
                setDeleted(r.pseudonym);
              })
            }
          />
        </section>
      ) : null}
    </>
  );
}
