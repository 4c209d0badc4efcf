import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ExplainTool } from '../components/explain-tool.js';
import { Grants } from '../components/grants.js';
import { RoleGraph } from '../components/role-graph.js';
import {
  Badge,
  Empty,
  ErrorNotice,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';
import { can, isAdmin, useMe } from '../session.js';

interface Role {
  name: string;
  description: string | null;
  builtIn: boolean;
  inherits: string[];
  permissions: string[];
}

interface Approval {
  id: string;
  operation: string;
  requesterId: string;
  required: number;
  approvers: string[];
  status: string;
  createdAt: string;
  expiresAt: string;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function RoleForm(props: { onDone: () => void }) {
  const [f, setF] = useState({ name: '', inherits: '', permissions: '', description: '' });
  const action = useAction();
  const set = (k: keyof typeof f) => (e: Event) =>
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="panel"
      aria-label="Create or replace a custom role"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await api.put(`/v1/authz/roles/${encodeURIComponent(f.name.trim())}`, {
            inherits: list(f.inherits),
            permissions: list(f.permissions),
            ...(f.description.trim() ? { description: f.description.trim() } : {}),
          });
          setF({ name: '', inherits: '', permissions: '', description: '' });
          props.onDone();
        });
      }}
    >
      <div class="filters">
        <div class="field">
          <label for="role-name">Role name</label>
          <input id="role-name" required value={f.name} onInput={set('name')} />
        </div>
        <div class="field">
          <label for="role-inherits">Inherits</label>
          <input
            id="role-inherits"
            value={f.inherits}
            placeholder="VIEWER"
            onInput={set('inherits')}
          />
        </div>
        <div class="field grow">
          <label for="role-permissions">Permissions</label>
          <input
            id="role-permissions"
            value={f.permissions}
            placeholder="audit:read, reports:*"
            onInput={set('permissions')}
          />
        </div>
        <div class="field grow">
          <label for="role-description">Description</label>
          <input id="role-description" value={f.description} onInput={set('description')} />
        </div>
        <button type="submit" disabled={action.pending}>
          Save role
        </button>
      </div>
      <ErrorNotice error={action.error} />
    </form>
  );
}

function Approvals() {
  const me = useMe();
  const pending = useLoad(() => api.get<{ items: Approval[] }>('/v1/authz/approvals'), []);
  const action = useAction();
  const decide = (a: Approval, verdict: 'approve' | 'reject') =>
    void action.run(async () => {
      await api.post(`/v1/authz/approvals/${encodeURIComponent(a.id)}/${verdict}`, {});
      pending.reload();
    });
  return (
    <section aria-labelledby="approvals-title">
      <h2 id="approvals-title">Pending approvals</h2>
      <ErrorNotice error={pending.error} />
      <ErrorNotice error={action.error} />
      {pending.data?.items.length === 0 ? <Empty>No request awaits approval.</Empty> : null}
      {pending.data && pending.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Approval requests, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Operation</th>
                <th scope="col">Requested by</th>
                <th scope="col">Approvals</th>
                <th scope="col">Requested</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Decision</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.data.items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <code>{a.operation}</code>
                  </td>
                  <td>
                    <code>{a.requesterId}</code>
                    {a.requesterId === me.id ? <Badge>you</Badge> : null}
                  </td>
                  <td>
                    {a.approvers.length} of {a.required}
                  </td>
                  <td>
                    <Time value={a.createdAt} />
                  </td>
                  <td>
                    <Time value={a.expiresAt} />
                  </td>
                  <td class="row-actions">
                    <button
                      type="button"
                      disabled={action.pending}
                      aria-label={`Approve ${a.operation}`}
                      onClick={() => decide(a, 'approve')}
                    >
                      Approve
                    </button>
                    <button
                      type="button"
                      class="button-danger"
                      disabled={action.pending}
                      aria-label={`Reject ${a.operation}`}
                      onClick={() => decide(a, 'reject')}
                    >
                      Reject
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Roles and their inheritance, grants, the explain tool and approvals. */
export function PolicyPage() {
  const me = useMe();
  const writer = can(me, 'authz:write');
  const roles = useLoad(() => api.get<{ items: Role[] }>('/v1/authz/roles', { limit: 500 }), []);
  const [editing, setEditing] = useState(false);
  return (
    <>
      <PageHeader title="Policy" />
      <section aria-labelledby="roles-title">
        <div class="section-header">
          <h2 id="roles-title">Roles and inheritance</h2>
          {writer ? (
            <button type="button" class="button-secondary" onClick={() => setEditing(!editing)}>
              {editing ? 'Close the role form' : 'New or changed role'}
            </button>
          ) : null}
        </div>
        {editing ? <RoleForm onDone={roles.reload} /> : null}
        <ErrorNotice error={roles.error} />
        {roles.data ? (
          <>
            <figure class="panel role-figure">
              <RoleGraph roles={roles.data.items} />
              <figcaption class="muted small">
                An arrow points from a role to a role it inherits; built-in roles are green.
              </figcaption>
            </figure>
            <div class="table-wrap">
              <table>
                <caption class="visually-hidden">Roles</caption>
                <thead>
                  <tr>
                    <th scope="col">Role</th>
                    <th scope="col">Inherits</th>
                    <th scope="col">Own permissions</th>
                  </tr>
                </thead>
                <tbody>
                  {roles.data.items.map((r) => (
                    <tr key={r.name}>
                      <td>
                        {r.name} {r.builtIn ? <Badge>built-in</Badge> : null}
                        {r.description ? <div class="muted small">{r.description}</div> : null}
                      </td>
                      <td>{r.inherits.join(', ') || <span class="muted">—</span>}</td>
                      <td>
                        <code>{r.permissions.join(' ') || '—'}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
      </section>
      <Grants writer={writer} />
      {can(me, 'authz:explain') ? <ExplainTool /> : null}
      {isAdmin(me) ? <Approvals /> : null}
    </>
  );
}
