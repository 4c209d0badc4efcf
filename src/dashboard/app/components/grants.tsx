import { api } from '../api.js';
import { DataTable } from './data-table.js';
import { GrantForm } from './grant-form.js';
import { Badge, ConfirmButton, ErrorNotice, useAction, useLoad } from './ui.js';

interface Conditions {
  timeWindow?: {
    days?: string[];
    from?: string;
    to?: string;
    timezone?: string;
    start?: string;
    end?: string;
  };
  ipCidrs?: string[];
  environments?: string[];
  attributes?: { source: string; key: string; op: string; value: unknown }[];
}

interface Grant {
  id: string;
  subject: { principal: string } | { role: string };
  resourceType: string;
  resourceId: string;
  actions: string[];
  effect: 'allow' | 'deny';
  conditions?: Conditions;
  createdBy: string | null;
}

const subjectText = (s: Grant['subject']) =>
  'role' in s ? `role ${s.role}` : `principal ${s.principal}`;

/** A grant's conditions in words, one line each. */
function conditionLines(c: Conditions): string[] {
  const lines: string[] = [];
  const w = c.timeWindow;
  if (w) {
    const parts = [
      w.days?.join(' '),
      w.from || w.to ? `${w.from ?? '00:00'}–${w.to ?? '24:00'}` : undefined,
      w.timezone,
      w.start ? `from ${new Date(w.start).toLocaleString()}` : undefined,
      w.end ? `until ${new Date(w.end).toLocaleString()}` : undefined,
    ];
    lines.push(`time: ${parts.filter(Boolean).join(', ')}`);
  }
  if (c.ipCidrs) lines.push(`from ${c.ipCidrs.join(', ')}`);
  if (c.environments) lines.push(`in ${c.environments.join(', ')}`);
  for (const a of c.attributes ?? [])
    lines.push(`${a.source}.${a.key} ${a.op} ${JSON.stringify(a.value)}`);
  return lines;
}

/** Resource-level grants: listed for `authz:read`, added and removed with `authz:write`. */
export function Grants(props: { writer: boolean }) {
  const grants = useLoad(() => api.get<{ items: Grant[] }>('/v1/authz/grants', { limit: 500 }), []);
  const action = useAction();
  return (
    <section aria-labelledby="grants-title">
      <h2 id="grants-title">Grants</h2>
      {props.writer ? <GrantForm onDone={grants.reload} /> : null}
      <ErrorNotice error={action.error} />
      <DataTable
        caption="Grants"
        rows={grants.data?.items}
        error={grants.error}
        rowKey={(g) => g.id}
        empty="No grant."
        columns={[
          {
            header: 'Effect',
            cell: (g) => <Badge tone={g.effect === 'allow' ? 'good' : 'bad'}>{g.effect}</Badge>,
          },
          { header: 'Subject', cell: (g) => subjectText(g.subject) },
          {
            header: 'Resource',
            cell: (g) => (
              <code>
                {g.resourceType}/{g.resourceId}
              </code>
            ),
          },
          { header: 'Actions', cell: (g) => g.actions.join(', ') },
          {
            header: 'Conditions',
            cell: (g) =>
              g.conditions ? (
                <ul class="plain">
                  {conditionLines(g.conditions).map((l) => (
                    <li key={l}>{l}</li>
                  ))}
                </ul>
              ) : (
                <span class="muted">—</span>
              ),
          },
          props.writer && {
            header: 'Remove',
            hideHeader: true,
            cell: (g) => (
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
            ),
          },
        ]}
      />
    </section>
  );
}
