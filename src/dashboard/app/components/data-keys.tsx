import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import { isAdmin, useMe } from '../session.js';
import { DataTable } from './data-table.js';
import { Badge, ConfirmButton, ErrorNotice, Time, useAction, useLoad } from './ui.js';

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

/**
 * The data key ring (which key seals new data), the latest re-encryption, and rotation
 * from the page: a new primary key, then every sealed field re-encrypted in the
 * background, its progress read from the status endpoint until it is done. Rotation is a
 * step-up route: without a recent MFA sign-in the error line says to sign in again.
 */
export function DataKeysPanel() {
  const admin = isAdmin(useMe());
  const ring = useLoad(() => api.get<DataKeys>('/v1/admin/keys/data'), []);
  const rotate = useAction();
  const r = ring.data?.rotation;
  const running = r?.status === 'running';
  useEffect(() => {
    if (!running) return;
    const t = setInterval(ring.reload, 1000);
    return () => clearInterval(t);
  }, [running, ring.reload]);
  return (
    <section class="panel" aria-labelledby="data-keys-title">
      <h2 id="data-keys-title">Data key ring</h2>
      <DataTable
        caption="Data keys"
        rows={ring.data?.keys}
        error={ring.error}
        loading={ring.loading}
        rowKey={(k) => k.id}
        empty="No data key."
        columns={[
          { header: 'Key', cell: (k) => <code>{k.id}</code> },
          { header: 'Status', cell: (k) => <Badge tone={tone[k.status]}>{k.status}</Badge> },
          { header: 'Created', cell: (k) => <Time value={k.created_at} /> },
          { header: 'Retired', cell: (k) => <Time value={k.retired_at} /> },
        ]}
      />
      {ring.data ? (
        <div role="status" class="rotation-status">
          {r ? (
            <>
              <p>
                Latest rotation to <code>{r.key_id}</code>: <strong>{r.status}</strong>,{' '}
                {r.done.toLocaleString()} of {r.total.toLocaleString()} fields re-encrypted
                {r.finished_at ? (
                  <>
                    {' '}
                    (finished <Time value={r.finished_at} />)
                  </>
                ) : null}
                .
              </p>
              <progress
                class="progress"
                max={Math.max(r.total, 1)}
                value={r.total === 0 ? (running ? 0 : 1) : r.done}
                aria-label="Re-encryption progress"
              />
            </>
          ) : (
            <p>No rotation has run.</p>
          )}
        </div>
      ) : null}
      <ErrorNotice error={rotate.error} />
      {admin ? (
        <div class="actions">
          <ConfirmButton
            label="Rotate the data key"
            confirmLabel="Confirm: make a new primary data key and re-encrypt"
            disabled={running || rotate.pending}
            onConfirm={() =>
              rotate.run(async () => {
                await api.post('/v1/admin/keys/data/rotate');
                ring.reload();
              })
            }
          />
        </div>
      ) : null}
      <p class="muted small">
        Also <code>rampart keys rotate-data</code>. A sensitive route: in production it needs a
        recent sign-in with MFA.
      </p>
    </section>
  );
}
