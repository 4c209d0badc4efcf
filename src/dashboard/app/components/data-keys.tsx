import { api } from '../api.js';
import { Badge, ErrorNotice, Time, useLoad } from './ui.js';

interface DataKeys {
  primary_key_id: string;
  keys: {
    id: string;
    status: 'primary' | 'active' | 'retired';
    created_at: string;
    retired_at: string | null;
  }[];
  rotation: {
    id: string;
    key_id: string;
    status: 'running' | 'done';
    total: number;
    done: number;
    started_at: string;
    finished_at: string | null;
  } | null;
}

const tone = { primary: 'good', active: 'neutral', retired: 'warn' } as const;

/** The data key ring (which key seals new data) and the latest re-encryption. */
export function DataKeysPanel() {
  const ring = useLoad(() => api.get<DataKeys>('/v1/admin/keys/data'), []);
  const r = ring.data?.rotation;
  return (
    <section class="panel" aria-labelledby="data-keys-title">
      <h2 id="data-keys-title">Data key ring</h2>
      <ErrorNotice error={ring.error} />
      {ring.data ? (
        <>
          <table>
            <caption class="visually-hidden">Data keys</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Retired</th>
              </tr>
            </thead>
            <tbody>
              {ring.data.keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    <code>{k.id}</code>
                  </td>
                  <td>
                    <Badge tone={tone[k.status]}>{k.status}</Badge>
                  </td>
                  <td>
                    <Time value={k.created_at} />
                  </td>
                  <td>
                    <Time value={k.retired_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted small">
            {r
              ? `Latest rotation to ${r.key_id}: ${r.status}, ${r.done.toLocaleString()} of ${r.total.toLocaleString()} fields re-encrypted.`
              : 'No rotation has run.'}{' '}
            Rotate with <code>rampart keys rotate-data</code> or{' '}
            <code>POST /v1/admin/keys/data/rotate</code>.
          </p>
        </>
      ) : null}
    </section>
  );
}
