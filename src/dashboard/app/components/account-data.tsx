import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmButton, Empty, ErrorNotice, Time, useAction, useLoad } from './ui.js';

interface Identity {
  id: string;
  provider: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  created_at: string;
  last_login_at: string | null;
}

interface Consents {
  consents: { purpose: string; granted: boolean; updated_at: string | null }[];
}

/** Social-login identities linked to your account, with unlink. */
export function IdentitiesPanel() {
  const list = useLoad(() => api.get<{ identities: Identity[] }>('/v1/me/identities'), []);
  const action = useAction();
  return (
    <section class="panel" aria-labelledby="identities-title">
      <h2 id="identities-title">Linked sign-in providers</h2>
      <ErrorNotice error={list.error} />
      <ErrorNotice error={action.error} />
      {list.data?.identities.length === 0 ? (
        <Empty>No provider identity is linked: you sign in with your password.</Empty>
      ) : null}
      {list.data && list.data.identities.length > 0 ? (
        <table>
          <caption class="visually-hidden">Linked identities</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Email</th>
              <th scope="col">Linked</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.identities.map((i) => (
              <tr key={i.id}>
                <td>{i.provider}</td>
                <td>{i.email ?? <span class="muted">—</span>}</td>
                <td>
                  <Time value={i.created_at} />
                </td>
                <td>
                  <Time value={i.last_login_at} />
                </td>
                <td>
                  <ConfirmButton
                    label="Unlink"
                    confirmLabel={`Confirm: unlink ${i.provider}`}
                    onConfirm={() =>
                      action.run(async () => {
                        await api.delete(`/v1/me/identities/${encodeURIComponent(i.id)}`);
                        list.reload();
                      })
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** Consent per purpose (granted or not), and the export of everything held about you. */
export function PrivacyPanel() {
  const consents = useLoad(() => api.get<Consents>('/v1/me/consents'), []);
  const action = useAction();
  // The box shows the choice at once; a refused change puts it back.
  const [chosen, setChosen] = useState<Record<string, boolean>>({});
  return (
    <section class="panel" aria-labelledby="privacy-title">
      <h2 id="privacy-title">Privacy</h2>
      <ErrorNotice error={consents.error} />
      <ErrorNotice error={action.error} />
      <fieldset>
        <legend>Consents</legend>
        {consents.data?.consents.map((c) => (
          <div class="field checkbox" key={c.purpose}>
            <input
              id={`consent-${c.purpose}`}
              type="checkbox"
              checked={chosen[c.purpose] ?? c.granted}
              disabled={action.pending}
              onChange={(e) => {
                const granted = e.currentTarget.checked;
                setChosen({ ...chosen, [c.purpose]: granted });
                void action.run(async () => {
                  try {
                    await api.put('/v1/me/consents', { purpose: c.purpose, granted });
                  } catch (error) {
                    setChosen(({ [c.purpose]: _, ...rest }) => rest);
                    throw error;
                  }
                  consents.reload();
                });
              }}
            />
            <label for={`consent-${c.purpose}`}>{c.purpose.replaceAll('_', ' ')}</label>
          </div>
        ))}
      </fieldset>
      <p>
        <a class="button button-secondary" href="/v1/me/export" download="rampart-export.json">
          Download my data
        </a>{' '}
        <span class="muted small">
          Everything Rampart holds about you, as JSON (account, sessions, keys, consents, audit).
        </span>
      </p>
    </section>
  );
}
