import { useState } from 'preact/hooks';
import { api, withQuery } from '../api.js';
import { type AuditRecord, RecordDetail } from '../components/audit-record.js';
import {
  Badge,
  Empty,
  ErrorNotice,
  Notice,
  OutcomeBadge,
  PageHeader,
  Time,
  useAction,
} from '../components/ui.js';
import { useRoute } from '../router.js';

interface Verification {
  ok: boolean;
  checked: number;
  last_seq: number;
  last_checkpoint_seq: number | null;
  first_bad_seq: number | null;
  problem: string | null;
}

const filterNames = [
  'from',
  'to',
  'actor',
  'actor_kind',
  'action',
  'outcome',
  'min_risk',
  'target_type',
  'target_id',
] as const;
type Filters = Record<(typeof filterNames)[number], string>;

function emptyFilters(params: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const n of filterNames) f[n] = params.get(n) ?? '';
  return f;
}

/** The query the API takes: datetime-local values become ISO instants. */
function queryOf(f: Filters): Record<string, string> {
  const q: Record<string, string> = {};
  for (const n of filterNames) {
    const v = f[n].trim();
    if (!v) continue;
    q[n] = n === 'from' || n === 'to' ? new Date(v).toISOString() : v;
  }
  return q;
}

export function AuditPage() {
  const route = useRoute();
  const [filters, setFilters] = useState<Filters>(() => emptyFilters(route.params));
  const [records, setRecords] = useState<AuditRecord[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState<AuditRecord | undefined>(undefined);
  const [verification, setVerification] = useState<Verification | undefined>(undefined);
  const search = useAction();
  const verify = useAction();

  const load = (more: boolean) =>
    void search.run(async () => {
      const page = await api.get<{ events: AuditRecord[]; next_cursor: string | null }>(
        '/v1/admin/audit/events',
        { ...queryOf(filters), limit: 50, ...(more && cursor ? { cursor } : {}) },
      );
      setRecords((old) => (more && old ? [...old, ...page.events] : page.events));
      setCursor(page.next_cursor);
      if (!more) setSelected(undefined);
    });

  const set = (name: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [name]: (e.currentTarget as HTMLInputElement).value });

  const field = (
    name: keyof Filters,
    label: string,
    type: 'text' | 'number' | 'datetime-local' = 'text',
    placeholder = '',
  ) => (
    <div class="field">
      <label for={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        type={type as 'text'}
        value={filters[name]}
        placeholder={placeholder}
        onInput={set(name)}
      />
    </div>
  );

  return (
    <>
      <PageHeader title="Audit trail">
        <button
          type="button"
          class="button-secondary"
          disabled={verify.pending}
          onClick={() =>
            void verify.run(async () =>
              setVerification(await api.get<Verification>('/v1/admin/audit/verify')),
            )
          }
        >
          {verify.pending ? 'Verifying…' : 'Verify chain'}
        </button>
        <a
          class="button button-secondary"
          href={withQuery('/v1/admin/audit/export', { ...queryOf(filters), format: 'jsonl' })}
          download="audit.jsonl"
        >
          Export JSONL
        </a>
        <a
          class="button button-secondary"
          href={withQuery('/v1/admin/audit/export', { ...queryOf(filters), format: 'csv' })}
          download="audit.csv"
        >
          Export CSV
        </a>
      </PageHeader>
      <ErrorNotice error={verify.error} />
      {verification ? (
        verification.ok ? (
          <Notice kind="success">
            Chain verified: {verification.checked.toLocaleString()} records checked up to #
            {verification.last_seq}
            {verification.last_checkpoint_seq !== null
              ? `, last signed checkpoint #${verification.last_checkpoint_seq}`
              : ''}
            .
          </Notice>
        ) : (
          <Notice kind="error">
            Chain broken at record #{verification.first_bad_seq}: {verification.problem}
          </Notice>
        )
      ) : null}
      <form
        class="filters"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          load(false);
        }}
      >
        {field('action', 'Action', 'text', 'auth.login.*')}
        {field('actor', 'Actor id')}
        <div class="field">
          <label for="audit-actor_kind">Actor kind</label>
          <select id="audit-actor_kind" value={filters.actor_kind} onChange={set('actor_kind')}>
            <option value="">Any</option>
            {['user', 'service_account', 'api_key', 'anonymous', 'system'].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-outcome">Outcome</label>
          <select id="audit-outcome" value={filters.outcome} onChange={set('outcome')}>
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
            <option value="denied">Denied</option>
          </select>
        </div>
        {field('min_risk', 'Minimum risk', 'number')}
        {field('target_type', 'Target type')}
        {field('target_id', 'Target id')}
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        <button type="submit" disabled={search.pending}>
          Search
        </button>
      </form>
      <ErrorNotice error={search.error} />
      {records === undefined ? (
        <Empty>Choose filters and search; leave them empty for the newest records.</Empty>
      ) : records.length === 0 ? (
        <Empty>No record matches these filters.</Empty>
      ) : (
        <div class="split">
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Audit records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Time</th>
                  <th scope="col">Action</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Risk</th>
                  <th scope="col">Actor</th>
                  <th scope="col">
                    <span class="visually-hidden">Detail</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <tr key={r.seq} class={selected?.seq === r.seq ? 'selected' : ''}>
                    <td>{r.seq}</td>
                    <td>
                      <Time value={r.time} />
                    </td>
                    <td>
                      <code>{r.action}</code>
                    </td>
                    <td>
                      <OutcomeBadge outcome={r.outcome} />
                    </td>
                    <td>
                      <Badge tone={r.risk >= 7 ? 'bad' : r.risk >= 4 ? 'warn' : 'neutral'}>
                        {r.risk}
                      </Badge>
                    </td>
                    <td>
                      {r.actor.kind} {r.actor.id ? <span class="muted">{r.actor.id}</span> : null}
                    </td>
                    <td>
                      <button
                        type="button"
                        class="button-link"
                        onClick={() => setSelected(r)}
                        aria-label={`Show record ${r.seq}`}
                      >
                        Details
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {cursor ? (
              <button
                type="button"
                class="button-secondary"
                disabled={search.pending}
                onClick={() => load(true)}
              >
                Load more
              </button>
            ) : null}
          </div>
          {selected ? (
            <RecordDetail record={selected} onClose={() => setSelected(undefined)} />
          ) : null}
        </div>
      )}
    </>
  );
}
