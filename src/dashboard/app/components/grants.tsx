import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Badge, ConfirmButton, Empty, ErrorNotice, useAction, useLoad } from './ui.js';

interface Grant {
  id: string;
  subject: { principal: string } | { role: string };
  resourceType: string;
  resourceId: string;
  actions: string[];
  effect: 'allow' | 'deny';
  conditions?: Record<string, unknown>;
  createdBy: string | null;
}

const subjectText = (s: Grant['subject']) =>
  'role' in s ? `role ${s.role}` : `principal ${s.principal}`;

/** Resource-level grants: listed for `authz:read`, added and removed with `authz:write`. */
export function Grants(props: { writer: boolean }) {
  const grants = useLoad(() => api.get<{ items: Grant[] }>('/v1/authz/grants', { limit: 500 }), []);
  const [f, setF] = useState({
    subjectKind: 'role',
    subject: '',
    resourceType: '',
    resourceId: '*',
    actions: '',
    effect: 'allow',
    cidrs: '',
  });
  const action = useAction();
  const set = (k: keyof typeof f) => (e: Event) =>
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const input = (k: keyof typeof f, label: string, placeholder = '') => (
    <div class="field">
      <label for={`grant-${k}`}>{label}</label>
      <input
        id={`grant-${k}`}
        value={f[k]}
        placeholder={placeholder}
        required={k !== 'cidrs'}
        onInput={set(k)}
      />
    </div>
  );
  return (
    <section aria-labelledby="grants-title">
      <h2 id="grants-title">Grants</h2>
      {props.writer ? (
        <form
          class="panel"
          aria-label="Add a grant"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              const cidrs = f.cidrs
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean);
              await api.post('/v1/authz/grants', {
                subject:
                  f.subjectKind === 'role'
                    ? { role: f.subject.trim() }
                    : { principal: f.subject.trim() },
                resourceType: f.resourceType.trim(),
                resourceId: f.resourceId.trim(),
                actions: f.actions
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
                effect: f.effect,
                ...(cidrs.length ? { conditions: { ipCidrs: cidrs } } : {}),
              });
              setF({ ...f, subject: '', actions: '', cidrs: '' });
              grants.reload();
            });
          }}
        >
          <div class="filters">
            <div class="field">
              <label for="grant-subjectKind">Subject</label>
              <select id="grant-subjectKind" value={f.subjectKind} onChange={set('subjectKind')}>
                <option value="role">role</option>
                <option value="principal">principal (account id)</option>
              </select>
            </div>
            {input('subject', 'Role or principal', 'auditor')}
            {input('resourceType', 'Resource type', 'docs')}
            {input('resourceId', 'Resource id', 'report-* or *')}
            {input('actions', 'Actions', 'read, update')}
            <div class="field">
              <label for="grant-effect">Effect</label>
              <select id="grant-effect" value={f.effect} onChange={set('effect')}>
                <option value="allow">allow</option>
                <option value="deny">deny</option>
              </select>
            </div>
            {input('cidrs', 'Only from CIDRs', '10.0.0.0/8')}
            <button type="submit" disabled={action.pending}>
              Add grant
            </button>
          </div>
        </form>
      ) : null}
      <ErrorNotice error={action.error} />
      <ErrorNotice error={grants.error} />
      {grants.data?.items.length === 0 ? <Empty>No grant.</Empty> : null}
      {grants.data && grants.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Grants</caption>
            <thead>
              <tr>
                <th scope="col">Effect</th>
                <th scope="col">Subject</th>
                <th scope="col">Resource</th>
                <th scope="col">Actions</th>
                <th scope="col">Conditions</th>
                {props.writer ? (
                  <th scope="col">
                    <span class="visually-hidden">Remove</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {grants.data.items.map((g) => (
                <tr key={g.id}>
                  <td>
                    <Badge tone={g.effect === 'allow' ? 'good' : 'bad'}>{g.effect}</Badge>
                  </td>
                  <td>{subjectText(g.subject)}</td>
                  <td>
                    <code>
                      {g.resourceType}/{g.resourceId}
                    </code>
                  </td>
                  <td>{g.actions.join(', ')}</td>
                  <td>
                    {g.conditions ? (
                      <code>{JSON.stringify(g.conditions)}</code>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  {props.writer ? (
                    <td>
                      <ConfirmButton
                        label="Remove"
                        confirmLabel="Confirm: remove grant"
                        onConfirm={() =>
                          action.run(async () => {
                            await api.delete(`/v1/authz/grants/${encodeURIComponent(g.id)}`);
                            grants.reload();
                          })
                        }
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
