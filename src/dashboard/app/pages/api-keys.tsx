import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  Badge,
  ConfirmButton,
  CopyButton,
  Empty,
  ErrorNotice,
  Notice,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';
import { isAdmin, useMe } from '../session.js';
import { type ServiceAccount, ServiceAccounts } from './service-accounts.js';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  owner: { kind: string; id: string };
  scopes: string[];
  status: 'active' | 'grace' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt: string | null;
  graceUntil: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
}

interface IssuedKey extends ApiKey {
  key: string;
  signingSecret?: string;
}

const statusTone = { active: 'good', grace: 'warn', expired: 'neutral', revoked: 'bad' } as const;

/** The one moment a key exists in clear: shown with a copy button, then gone. */
function IssuedKeyPanel(props: { issued: IssuedKey; onDone: () => void }) {
  return (
    <section class="panel issued" aria-labelledby="issued-title">
      <h2 id="issued-title">Key for “{props.issued.name}”</h2>
      <Notice kind="info">
        Copy the key now: Rampart keeps only its hash and will not show it again.
      </Notice>
      <p class="secret">
        <code data-testid="issued-key">{props.issued.key}</code>{' '}
        <CopyButton text={props.issued.key} label="Copy key" />
      </p>
      {props.issued.signingSecret ? (
        <p class="secret">
          Signing secret: <code>{props.issued.signingSecret}</code>{' '}
          <CopyButton text={props.issued.signingSecret} label="Copy secret" />
        </p>
      ) : null}
      <button type="button" onClick={props.onDone}>
        I have stored it
      </button>
    </section>
  );
}

export function ApiKeysPage() {
  const me = useMe();
  const admin = isAdmin(me);
  const [owner, setOwner] = useState('');
  const accounts = useLoad(
    () =>
      admin
        ? api.get<{ items: ServiceAccount[] }>('/v1/service-accounts')
        : Promise.resolve({ items: [] }),
    [admin],
  );
  const keys = useLoad(
    () => api.get<{ items: ApiKey[] }>('/v1/api-keys', owner ? { serviceAccountId: owner } : {}),
    [owner],
  );
  const [issued, setIssued] = useState<IssuedKey | undefined>(undefined);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('');
  const [signing, setSigning] = useState(false);
  const action = useAction();

  const create = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const key = await api.post<IssuedKey>('/v1/api-keys', {
        name: name.trim(),
        scopes: scopes.split(/[\s,]+/).filter(Boolean),
        ...(signing ? { signing: true } : {}),
        ...(owner ? { serviceAccountId: owner } : {}),
      });
      setIssued(key);
      setName('');
      keys.reload();
    });
  };

  const ownerName = owner
    ? (accounts.data?.items.find((a) => a.id === owner)?.name ?? owner)
    : 'you';

  return (
    <>
      <PageHeader title="API keys" />
      {issued ? <IssuedKeyPanel issued={issued} onDone={() => setIssued(undefined)} /> : null}
      {admin ? (
        <div class="filters">
          <div class="field">
            <label for="key-owner">Keys of</label>
            <select id="key-owner" value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
              <option value="">Me ({me.email})</option>
              {accounts.data?.items
                .filter((a) => a.disabledAt === null)
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    Service account {a.name}
                  </option>
                ))}
            </select>
          </div>
        </div>
      ) : null}
      <form class="filters" onSubmit={create} aria-label="New API key">
        <div class="field">
          <label for="key-name">Name</label>
          <input
            id="key-name"
            required
            maxLength={100}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <div class="field grow">
          <label for="key-scopes">Scopes</label>
          <input
            id="key-scopes"
            required
            placeholder="audit:read metrics:read"
            aria-describedby="key-scopes-help"
            value={scopes}
            onInput={(e) => setScopes(e.currentTarget.value)}
          />
          <span id="key-scopes-help" class="help">
            Permissions separated by spaces; at most those of {ownerName}.
          </span>
        </div>
        <div class="field checkbox">
          <input
            id="key-signing"
            type="checkbox"
            checked={signing}
            onChange={(e) => setSigning(e.currentTarget.checked)}
          />
          <label for="key-signing">Signed requests</label>
        </div>
        <button type="submit" disabled={action.pending}>
          Create key
        </button>
      </form>
      <ErrorNotice error={action.error} />
      <ErrorNotice error={keys.error} />
      {keys.data?.items.length === 0 ? <Empty>No API key yet for {ownerName}.</Empty> : null}
      {keys.data && keys.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">API keys of {ownerName}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(' ')}</td>
                  <td>
                    <Badge tone={statusTone[k.status]}>{k.status}</Badge>
                    {k.status === 'grace' ? (
                      <span class="muted small">
                        {' '}
                        until <Time value={k.graceUntil} />
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <Time value={k.lastUsedAt} />
                    {k.lastUsedIp ? <span class="muted"> from {k.lastUsedIp}</span> : null}
                  </td>
                  <td>
                    <Time value={k.expiresAt} />
                  </td>
                  <td>
                    <div class="row-actions">
                      {k.status === 'active' ? (
                        <>
                          <ConfirmButton
                            label="Rotate"
                            onConfirm={() =>
                              action.run(async () => {
                                setIssued(
                                  await api.post<IssuedKey>(
                                    `/v1/api-keys/${encodeURIComponent(k.id)}/rotate`,
                                    {},
                                  ),
                                );
                                keys.reload();
                              })
                            }
                          />
                          <ConfirmButton
                            label="Revoke"
                            danger
                            onConfirm={() =>
                              action.run(async () => {
                                await api.delete(`/v1/api-keys/${encodeURIComponent(k.id)}`);
                                keys.reload();
                              })
                            }
                          />
                        </>
                      ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {admin ? (
        <ServiceAccounts accounts={accounts.data?.items ?? []} reload={accounts.reload} />
      ) : null}
    </>
  );
}
