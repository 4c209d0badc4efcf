import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { ExplainTool } from '../components/explain-tool.js';
import { FormPanel, fieldErrorsOf, TextField } from '../components/form-fields.js';
import { Grants } from '../components/grants.js';
import { RoleGraph } from '../components/role-graph.js';
import {
  Badge,
  ConfirmButton,
  ErrorNotice,
  type Load,
  Notice,
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

const roleFields = ['name', 'inherits', 'permissions', 'description'] as const;

function RoleForm(props: { onDone: () => void }) {
  const blank = { name: '', inherits: '', permissions: '', description: '' };
  const [f, setF] = useState(blank);
  const action = useAction();
  const errors = fieldErrorsOf(action.error, roleFields);
  const set = (k: keyof typeof f) => (value: string) => setF({ ...f, [k]: value });
  return (
    <FormPanel
      id="role-form"
      title="Create or replace a custom role"
      action={action}
      fields={roleFields}
      submitLabel="Save role"
      onSubmit={async () => {
        await api.put(`/v1/authz/roles/${encodeURIComponent(f.name.trim())}`, {
          inherits: list(f.inherits),
          permissions: list(f.permissions),
          ...(f.description.trim() ? { description: f.description.trim() } : {}),
        });
        setF(blank);
        props.onDone();
      }}
    >
      <TextField
        id="role-name"
        label="Role name"
        required
        value={f.name}
        onInput={set('name')}
        error={errors.name}
      />
      <TextField
        id="role-inherits"
        label="Inherits"
        placeholder="VIEWER"
        value={f.inherits}
        onInput={set('inherits')}
        error={errors.inherits}
      />
      <TextField
        id="role-permissions"
        label="Permissions"
        grow
        placeholder="audit:read, reports:*"
        value={f.permissions}
        onInput={set('permissions')}
        error={errors.permissions}
      />
      <TextField
        id="role-description"
        label="Description"
        grow
        value={f.description}
        onInput={set('description')}
        error={errors.description}
      />
    </FormPanel>
  );
}

/**
 * The roles table; `authz:write` deletes a custom role after a confirmation. The API
 * refuses while another role inherits it or a grant names it, and says so here.
 */
function RolesTable(props: { roles: Load<{ items: Role[] }>; writer: boolean }) {
  const action = useAction();
  const [deleted, setDeleted] = useState('');
  return (
    <>
      <ErrorNotice error={action.error} />
      {deleted ? <Notice kind="success">Role {deleted} is deleted.</Notice> : null}
      <DataTable
        caption="Roles"
        rows={props.roles.data?.items}
        rowKey={(r) => r.name}
        empty="No role."
        columns={[
          {
            header: 'Role',
            cell: (r) => (
              <>
                {r.name} {r.builtIn ? <Badge>built-in</Badge> : null}
                {r.description ? <div class="muted small">{r.description}</div> : null}
              </>
            ),
          },
          {
            header: 'Inherits',
            cell: (r) => r.inherits.join(', ') || <span class="muted">—</span>,
          },
          { header: 'Own permissions', cell: (r) => <code>{r.permissions.join(' ') || '—'}</code> },
          props.writer && {
            header: 'Actions',
            hideHeader: true,
            cell: (r) =>
              r.builtIn ? null : (
                <ConfirmButton
                  label={`Delete role ${r.name}`}
                  confirmLabel={`Confirm: delete role ${r.name}`}
                  danger
                  onConfirm={() =>
                    action.run(async () => {
                      setDeleted('');
                      await api.delete(`/v1/authz/roles/${encodeURIComponent(r.name)}`);
                      setDeleted(r.name);
                      props.roles.reload();
                    })
                  }
                />
              ),
          },
        ]}
      />
    </>
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
      <ErrorNotice error={action.error} />
      <DataTable
        caption="Approval requests, oldest first"
        rows={pending.data?.items}
        error={pending.error}
        rowKey={(a) => a.id}
        empty="No request awaits approval."
        columns={[
          { header: 'Operation', cell: (a) => <code>{a.operation}</code> },
          {
            header: 'Requested by',
            cell: (a) => (
              <>
                <code>{a.requesterId}</code>
                {a.requesterId === me.id ? <Badge>you</Badge> : null}
              </>
            ),
          },
          { header: 'Approvals', cell: (a) => `${a.approvers.length} of ${a.required}` },
          { header: 'Requested', cell: (a) => <Time value={a.createdAt} /> },
          { header: 'Expires', cell: (a) => <Time value={a.expiresAt} /> },
          {
            header: 'Decision',
            hideHeader: true,
            class: 'row-actions',
            cell: (a) => (
              <>
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
              </>
            ),
          },
        ]}
      />
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
            <RolesTable roles={roles} writer={writer} />
          </>
        ) : null}
      </section>
      <Grants writer={writer} />
      {can(me, 'authz:explain') ? <ExplainTool /> : null}
      {isAdmin(me) ? <Approvals /> : null}
    </>
  );
}
