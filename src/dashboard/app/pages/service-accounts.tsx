import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Badge, ConfirmButton, Empty, ErrorNotice, Time, useAction } from '../components/ui.js';

export interface ServiceAccount {
  id: string;
  name: string;
  description: string | null;
  roles: string[];
  createdAt: string;
  disabledAt: string | null;
}

/** Service accounts (ADMIN): non-human principals that own API keys. */
export function ServiceAccounts(props: { accounts: ServiceAccount[]; reload: () => void }) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['VIEWER']);
  const action = useAction();
  const toggle = (role: string) =>
    setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role]);
  return (
    <section class="panel" aria-labelledby="sa-title">
      <h2 id="sa-title">Service accounts</h2>
      <form
        class="filters"
        aria-label="New service account"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await api.post('/v1/service-accounts', { name: name.trim(), roles });
            setName('');
            props.reload();
          });
        }}
      >
        <div class="field">
          <label for="sa-name">Name</label>
          <input
            id="sa-name"
            required
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <fieldset class="field roles">
          <legend>Roles</legend>
          {['ADMIN', 'DEVELOPER', 'VIEWER'].map((r) => (
            <label key={r} class="inline">
              <input type="checkbox" checked={roles.includes(r)} onChange={() => toggle(r)} /> {r}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={action.pending}>
          Create service account
        </button>
      </form>
      <ErrorNotice error={action.error} />
      {props.accounts.length === 0 ? (
        <Empty>No service account.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Service accounts</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.accounts.map((a) => (
                <tr key={a.id}>
                  <td>{a.name}</td>
                  <td>{a.roles.join(', ')}</td>
                  <td>
                    <Time value={a.createdAt} />
                  </td>
                  <td>
                    {a.disabledAt ? (
                      <Badge tone="bad">disabled</Badge>
                    ) : (
                      <Badge tone="good">active</Badge>
                    )}
                  </td>
                  <td>
                    {a.disabledAt ? null : (
                      <ConfirmButton
                        label="Disable"
                        danger
                        onConfirm={() =>
                          action.run(async () => {
                            await api.delete(`/v1/service-accounts/${encodeURIComponent(a.id)}`);
                            props.reload();
                          })
                        }
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
