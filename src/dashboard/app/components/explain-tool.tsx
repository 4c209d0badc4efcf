import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Badge, ErrorNotice, useAction } from './ui.js';

interface ExplainResult {
  decision: {
    allowed: boolean;
    reason: string;
    matched: { role?: string; permission?: string; grantId?: string } | null;
  };
  principal: { id: string; kind: string; roles: string[] };
  roles: { role: string; path: string[]; permissions: string[] }[];
  environment: { environment: string; allowedRoles: string[]; allowed: boolean } | null;
  scope: { scopes: string[]; allowed: boolean } | null;
  grants: { id: string; effect: 'allow' | 'deny'; via: string; outcome: string }[];
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** "Why can X do Y": the explain API's answer, in sentences and small tables. */
export function ExplainTool() {
  const [form, setForm] = useState({
    kind: 'user',
    id: '',
    roles: '',
    action: '',
    resourceType: '',
    resourceId: '*',
    ip: '',
  });
  const [result, setResult] = useState<ExplainResult | undefined>();
  const action = useAction();
  const set = (k: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const field = (k: keyof typeof form, label: string, placeholder = '') => (
    <div class="field">
      <label for={`explain-${k}`}>{label}</label>
      <input
        id={`explain-${k}`}
        value={form[k]}
        placeholder={placeholder}
        required={k !== 'roles' && k !== 'ip'}
        onInput={set(k)}
      />
    </div>
  );
  const d = result?.decision;
  return (
    <section class="panel" aria-labelledby="explain-title">
      <h2 id="explain-title">Explain a decision</h2>
      <form
        aria-label="Explain"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            setResult(undefined);
            setResult(
              await api.post<ExplainResult>('/v1/authz/explain', {
                principal: { kind: form.kind, id: form.id.trim(), roles: list(form.roles) },
                action: form.action.trim(),
                resource: { type: form.resourceType.trim(), id: form.resourceId.trim() },
                ...(form.ip.trim() ? { context: { ip: form.ip.trim() } } : {}),
              }),
            );
          });
        }}
      >
        <div class="filters">
          <div class="field">
            <label for="explain-kind">Principal kind</label>
            <select id="explain-kind" value={form.kind} onChange={set('kind')}>
              <option value="user">user</option>
              <option value="service_account">service account</option>
              <option value="api_key">API key</option>
            </select>
          </div>
          {field('id', 'Principal id', 'account id')}
          {field('roles', 'Roles held', 'VIEWER, auditor')}
          {field('action', 'Action', 'read')}
          {field('resourceType', 'Resource type', 'audit')}
          {field('resourceId', 'Resource id')}
          {field('ip', 'Client IP')}
          <button type="submit" disabled={action.pending}>
            Explain
          </button>
        </div>
      </form>
      <ErrorNotice error={action.error} />
      {result && d ? (
        <div class="explain-result" aria-live="polite">
          <p>
            <Badge tone={d.allowed ? 'good' : 'bad'}>{d.allowed ? 'Allowed' : 'Denied'}</Badge>{' '}
            <strong>
              {result.principal.id} {d.allowed ? 'may' : 'may not'} {form.action} on{' '}
              {form.resourceType}/{form.resourceId}
            </strong>{' '}
            — reason <code>{d.reason}</code>
            {d.matched?.role ? ` (role ${d.matched.role}` : ''}
            {d.matched?.permission ? `, permission ${d.matched.permission}` : ''}
            {d.matched?.role ? ')' : ''}
            {d.matched?.grantId ? ` (grant ${d.matched.grantId})` : ''}.
          </p>
          <h3>Roles held</h3>
          {result.roles.length === 0 ? (
            <p class="muted">No role.</p>
          ) : (
            <ul class="plain">
              {result.roles.map((r) => (
                <li key={r.role}>
                  <strong>{r.role}</strong>
                  {r.path.length > 1 ? (
                    <span class="muted"> through {r.path.join(' → ')}</span>
                  ) : null}
                  : <code>{r.permissions.join(' ') || '(no permission)'}</code>
                </li>
              ))}
            </ul>
          )}
          {result.environment ? (
            <p>
              Environment <code>{result.environment.environment}</code>:{' '}
              {result.environment.allowed ? 'allowed' : 'not allowed'} (roles{' '}
              {result.environment.allowedRoles.join(', ') || 'none'}).
            </p>
          ) : null}
          {result.scope ? (
            <p>
              API key scopes <code>{result.scope.scopes.join(' ')}</code>:{' '}
              {result.scope.allowed ? 'cover the action' : 'do not cover the action'}.
            </p>
          ) : null}
          <h3>Grants considered</h3>
          {result.grants.length === 0 ? (
            <p class="muted">No grant applies to this resource.</p>
          ) : (
            <ul class="plain">
              {result.grants.map((g) => (
                <li key={g.id}>
                  <Badge tone={g.effect === 'allow' ? 'good' : 'bad'}>{g.effect}</Badge>{' '}
                  <code>{g.id}</code> via {g.via}: {g.outcome}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </section>
  );
}
