import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { AccountDetail } from '../components/account-detail.js';
import { DataTable } from '../components/data-table.js';
import { SelectField, TextField } from '../components/form-fields.js';
import { Badge, PageHeader, useLoad } from '../components/ui.js';
import { href, useRoute } from '../router.js';

export interface AccountSummary {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
  status: 'active' | 'disabled';
  created_at: string;
  effective_roles: string[];
  locked: boolean;
  locked_until: string | null;
}

const builtInRoles = ['ADMIN', 'DEVELOPER', 'VIEWER'];

/**
 * Accounts: a search by email text, role and status, a page at a time (the API's cursor),
 * and one account's detail with the administrator's actions (`#/users?id=…`). The search
 * lives in the URL (`#/users?query=…&role=…`), so the way back from an account — the
 * link or the browser's back button — returns to the same search.
 */
export function UsersPage() {
  const route = useRoute();
  const id = route.params.get('id');
  const filters = filtersOf(route.params);
  return (
    <>
      <PageHeader title="Users & sessions" />
      {id ? (
        <>
          <p>
            <a href={href('users', { ...filters })}>← All accounts</a>
          </p>
          <AccountDetail key={id} id={id} />
        </>
      ) : (
        // A new search (a new URL) starts again on page 1 with its own form state.
        <AccountSearch key={JSON.stringify(filters)} filters={filters} />
      )}
    </>
  );
}

interface Filters {
  query: string;
  role: string;
  status: string;
}

function filtersOf(params: URLSearchParams): Filters {
  return {
    query: params.get('query') ?? '',
    role: params.get('role') ?? '',
    status: params.get('status') ?? '',
  };
}

function AccountSearch({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState<Filters>(filters);
  // The cursors of the pages before this one: "Previous" pops one, "Next" pushes.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const page = useLoad(
    () =>
      api.get<{ items: AccountSummary[]; next_cursor: string | null }>('/v1/admin/accounts', {
        limit: 25,
        query: filters.query.trim(),
        role: filters.role,
        status: filters.status,
        cursor,
      }),
    [cursor],
  );
  return (
    <>
      <form
        class="filters"
        aria-label="Search accounts"
        onSubmit={(e) => {
          e.preventDefault();
          const next = href('users', { ...draft, query: draft.query.trim() });
          // The same search again: reload it (an unchanged URL fires no hashchange).
          if (location.hash === next) {
            setCursors([]);
            page.reload();
          } else location.hash = next;
        }}
      >
        <TextField
          id="account-query"
          label="Email contains"
          grow
          value={draft.query}
          onInput={(query) => setDraft({ ...draft, query })}
        />
        <SelectField
          id="account-role"
          label="Role"
          value={draft.role}
          onChange={(role) => setDraft({ ...draft, role })}
          options={[{ value: '', label: 'any' }, ...builtInRoles]}
        />
        <SelectField
          id="account-status"
          label="Status"
          value={draft.status}
          onChange={(status) => setDraft({ ...draft, status })}
          options={[{ value: '', label: 'any' }, 'active', 'disabled']}
        />
        <button type="submit">Search</button>
      </form>
      <DataTable
        caption="Accounts"
        rows={page.data?.items}
        loading={page.loading}
        error={page.error}
        rowKey={(a) => a.id}
        empty="No account matches."
        columns={[
          {
            header: 'Email',
            cell: (a) => <a href={href('users', { ...filters, id: a.id })}>{a.email}</a>,
          },
          { header: 'Name', cell: (a) => a.name ?? <span class="muted">—</span> },
          { header: 'Roles', cell: (a) => a.effective_roles.join(', ') || '—' },
          {
            header: 'Status',
            cell: (a) => (
              <>
                <Badge tone={a.status === 'active' ? 'good' : 'neutral'}>{a.status}</Badge>{' '}
                {a.locked ? <Badge tone="bad">locked</Badge> : null}
              </>
            ),
          },
        ]}
      />
      <nav class="pager" aria-label="Account pages">
        <button
          type="button"
          class="button-secondary"
          disabled={cursors.length === 0 || page.loading}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span class="muted small">Page {cursors.length + 1}</span>
        <button
          type="button"
          class="button-secondary"
          disabled={!page.data?.next_cursor || page.loading}
          onClick={() => {
            const next = page.data?.next_cursor;
            if (next) setCursors([...cursors, next]);
          }}
        >
          Next page
        </button>
      </nav>
    </>
  );
}
