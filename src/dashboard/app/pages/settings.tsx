import { Fragment } from 'preact';
import { api } from '../api.js';
import { DataKeysPanel } from '../components/data-keys.js';
import { ErrorNotice, Loading, PageHeader, useLoad } from '../components/ui.js';

/** The effective configuration, read-only and redacted by the server. */
export function SettingsPage() {
  const config = useLoad(
    () => api.get<{ config: Record<string, unknown> }>('/v1/admin/config'),
    [],
  );
  const entries = Object.entries(config.data?.config ?? {});
  const scalars = entries.filter(([, v]) => v === null || typeof v !== 'object');
  const sections = entries.filter(([, v]) => v !== null && typeof v === 'object');
  return (
    <>
      <PageHeader title="Settings" />
      <p class="muted">
        The configuration this node runs with, read-only. Secrets read [redacted]; change settings
        in the configuration file or environment and restart.
      </p>
      <DataKeysPanel />
      <ErrorNotice error={config.error} />
      {config.loading && !config.data ? <Loading /> : null}
      {config.data ? (
        <>
          <section class="panel" aria-labelledby="general-title">
            <h2 id="general-title">General</h2>
            <dl class="pairs">
              {scalars.map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>
                    <code>{v === undefined ? '—' : JSON.stringify(v)}</code>
                  </dd>
                </Fragment>
              ))}
            </dl>
          </section>
          {sections.map(([k, v]) => (
            <details key={k} class="panel">
              <summary>{k}</summary>
              <pre class="json">{JSON.stringify(v, null, 2)}</pre>
            </details>
          ))}
        </>
      ) : null}
    </>
  );
}
