import { href } from '../router.js';
import { OutcomeBadge, SeverityBadge, Time } from './ui.js';

export interface AuditRecord {
  seq: number;
  id: string;
  time: string;
  actor: {
    kind: string;
    id: string | null;
    ip: string | null;
    user_agent: string | null;
    api_key_id: string | null;
  };
  action: string;
  target: { type: string; id: string | null } | null;
  outcome: string;
  severity: string;
  environment: string;
  request_id: string | null;
  risk: number;
  details: Record<string, unknown>;
  hash: string;
}

/** One audit record in full, with a link to its user. */
export function RecordDetail(props: { record: AuditRecord; onClose: () => void }) {
  const r = props.record;
  return (
    <section class="panel detail" aria-labelledby="record-title">
      <h2 id="record-title">Record #{r.seq}</h2>
      <dl class="pairs">
        <dt>Time</dt>
        <dd>
          <Time value={r.time} />
        </dd>
        <dt>Action</dt>
        <dd>
          <code>{r.action}</code>
        </dd>
        <dt>Outcome</dt>
        <dd>
          <OutcomeBadge outcome={r.outcome} /> <SeverityBadge severity={r.severity} />
        </dd>
        <dt>Actor</dt>
        <dd>
          {r.actor.kind} {r.actor.id}
          {r.actor.kind === 'user' && r.actor.id ? (
            <>
              {' '}
              <a href={href('users', { id: r.actor.id })}>open user</a>
            </>
          ) : null}
        </dd>
        <dt>IP</dt>
        <dd>{r.actor.ip ?? '—'}</dd>
        <dt>User agent</dt>
        <dd>{r.actor.user_agent ?? '—'}</dd>
        <dt>Target</dt>
        <dd>{r.target ? `${r.target.type} ${r.target.id ?? ''}` : '—'}</dd>
        <dt>Request id</dt>
        <dd>{r.request_id ?? '—'}</dd>
        <dt>Environment</dt>
        <dd>{r.environment}</dd>
        <dt>Hash</dt>
        <dd>
          <code class="break">{r.hash}</code>
        </dd>
      </dl>
      <h3>Details</h3>
      <pre class="json">{JSON.stringify(r.details, null, 2)}</pre>
      <button type="button" class="button-secondary" onClick={props.onClose}>
        Close
      </button>
    </section>
  );
}
