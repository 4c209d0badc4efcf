import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { href, useRoute } from '../router.js';
import { DataTable } from './data-table.js';
import { ConfirmButton, ErrorNotice, Notice, Time, useAction, useLoad } from './ui.js';

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

interface Provider {
  id: string;
  name: string;
}

/** Clears `#linked=…` (the link callback's answer) once it is shown. */
function useLinkedProvider(): string | null {
  const linked = useRoute().params.get('linked');
  useEffect(() => {
    if (linked) history.replaceState(null, '', `${location.pathname}${href('account')}`);
  }, [linked]);
  return linked;
}

/**
 * Social-login identities linked to your account, with unlink; and a link button per
 * configured provider not linked yet: the API answers the provider's URL (and sets the
 * state cookie), the browser goes there, and the callback links the identity to this
 * account and comes back to `/ui/#linked=<provider>`.
 */
export function IdentitiesPanel() {
  const list = useLoad(() => api.get<{ identities: Identity[] }>('/v1/me/identities'), []);
  const providers = useLoad(
    () => api.get<{ providers: Provider[] }>('/v1/auth/oauth/providers'),
    [],
  );
  const linked = useLinkedProvider();
  const action = useAction();
  const linkable = (providers.data?.providers ?? []).filter(
    (p) => !list.data?.identities.some((i) => i.provider === p.id),
  );
  const nameOf = (id: string) => providers.data?.providers.find((p) => p.id === id)?.name ?? id;
  return (
    <section class="panel" aria-labelledby="identities-title">
      <h2 id="identities-title">Linked sign-in providers</h2>
      {linked ? (
        <Notice kind="success">Your {nameOf(linked)} identity is linked to this account.</Notice>
      ) : null}
      <ErrorNotice error={action.error} />
      <DataTable
        caption="Linked identities"
        rows={list.data?.identities}
        error={list.error}
        rowKey={(i) => i.id}
        empty="No provider identity is linked: you sign in with your password."
        columns={[
          { header: 'Provider', cell: (i) => nameOf(i.provider) },
          { header: 'Email', cell: (i) => i.email ?? <span class="muted">—</span> },
          { header: 'Linked', cell: (i) => <Time value={i.created_at} /> },
          { header: 'Last sign-in', cell: (i) => <Time value={i.last_login_at} /> },
          {
            header: 'Actions',
            hideHeader: true,
            cell: (i) => (
              <ConfirmButton
                label={`Unlink ${nameOf(i.provider)}`}
                confirmLabel={`Confirm: unlink ${nameOf(i.provider)}`}
                onConfirm={() =>
                  action.run(async () => {
                    await api.delete(`/v1/me/identities/${encodeURIComponent(i.id)}`);
                    list.reload();
                  })
                }
              />
            ),
          },
        ]}
      />
      {linkable.length > 0 ? (
        <div class="actions">
          {linkable.map((p) => (
            <button
              key={p.id}
              type="button"
              class="button-secondary"
              disabled={action.pending}
              onClick={() =>
                void action.run(async () => {
                  const started = await api.post<{ authorization_url: string }>(
                    `/v1/me/identities/${encodeURIComponent(p.id)}/link`,
                    { return: location.pathname },
                  );
                  location.assign(started.authorization_url);
                })
              }
            >
              Link {p.name}
            </button>
          ))}
        </div>
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
