import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  Badge,
  ConfirmButton,
  Empty,
  ErrorNotice,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';

interface IpRule {
  id: string;
  action: 'allow' | 'deny' | 'ban';
  cidr: string;
  reason: string | null;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
}

const durations = [
  { label: '15 minutes', seconds: 900 },
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '1 week', seconds: 604_800 },
  { label: 'Until lifted', seconds: 0 },
];

const tone = { allow: 'good', deny: 'bad', ban: 'warn' } as const;

export function IpRulesPage() {
  const rules = useLoad(() => api.get<{ items: IpRule[] }>('/v1/admin/ip-rules'), []);
  const action = useAction();
  const [ip, setIp] = useState('');
  const [duration, setDuration] = useState(3600);
  const [reason, setReason] = useState('');
  const [ruleAction, setRuleAction] = useState<'allow' | 'deny'>('deny');
  const [cidr, setCidr] = useState('');
  const [ruleReason, setRuleReason] = useState('');

  const submit = (fn: () => Promise<unknown>, reset: () => void) => (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await fn();
      reset();
      rules.reload();
    });
  };

  return (
    <>
      <PageHeader title="Bans & IP rules" />
      <div class="two-forms">
        <form
          class="panel"
          aria-labelledby="ban-title"
          onSubmit={submit(
            () =>
              api.post('/v1/admin/ip-bans', {
                ip: ip.trim(),
                ...(duration > 0 ? { duration } : {}),
                ...(reason.trim() ? { reason: reason.trim() } : {}),
              }),
            () => {
              setIp('');
              setReason('');
            },
          )}
        >
          <h2 id="ban-title">Ban a client</h2>
          <label for="ban-ip">IP address</label>
          <input
            id="ban-ip"
            required
            value={ip}
            placeholder="203.0.113.7"
            onInput={(e) => setIp(e.currentTarget.value)}
          />
          <label for="ban-duration">Duration</label>
          <select
            id="ban-duration"
            value={duration}
            onChange={(e) => setDuration(Number(e.currentTarget.value))}
          >
            {durations.map((d) => (
              <option key={d.seconds} value={d.seconds}>
                {d.label}
              </option>
            ))}
          </select>
          <label for="ban-reason">Reason</label>
          <input
            id="ban-reason"
            maxLength={500}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" disabled={action.pending}>
            Ban
          </button>
        </form>
        <form
          class="panel"
          aria-labelledby="rule-title"
          onSubmit={submit(
            () =>
              api.post('/v1/admin/ip-rules', {
                action: ruleAction,
                cidr: cidr.trim(),
                ...(ruleReason.trim() ? { reason: ruleReason.trim() } : {}),
              }),
            () => {
              setCidr('');
              setRuleReason('');
            },
          )}
        >
          <h2 id="rule-title">Add a rule</h2>
          <label for="rule-action">Rule</label>
          <select
            id="rule-action"
            value={ruleAction}
            onChange={(e) => setRuleAction(e.currentTarget.value as 'allow' | 'deny')}
          >
            <option value="deny">Deny</option>
            <option value="allow">Allow (never blocked)</option>
          </select>
          <label for="rule-cidr">Address or CIDR</label>
          <input
            id="rule-cidr"
            required
            value={cidr}
            placeholder="198.51.100.0/24"
            onInput={(e) => setCidr(e.currentTarget.value)}
          />
          <label for="rule-reason">Reason</label>
          <input
            id="rule-reason"
            maxLength={500}
            value={ruleReason}
            onInput={(e) => setRuleReason(e.currentTarget.value)}
          />
          <button type="submit" disabled={action.pending}>
            Add rule
          </button>
        </form>
      </div>
      <ErrorNotice error={action.error} />
      <ErrorNotice error={rules.error} />
      {rules.data?.items.length === 0 ? <Empty>No ban or IP rule is in force.</Empty> : null}
      {rules.data && rules.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>Rules and bans in force</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Address</th>
                <th scope="col">Reason</th>
                <th scope="col">Added</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.data.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Badge tone={tone[r.action]}>{r.action}</Badge>
                  </td>
                  <td>
                    <code>{r.cidr}</code>
                  </td>
                  <td>{r.reason ?? <span class="muted">—</span>}</td>
                  <td>
                    <Time value={r.createdAt} />
                  </td>
                  <td>{r.expiresAt ? <Time value={r.expiresAt} /> : 'never'}</td>
                  <td>
                    <ConfirmButton
                      label="Lift"
                      confirmLabel={`Confirm: lift ${r.cidr}`}
                      onConfirm={() =>
                        action.run(async () => {
                          await api.delete(`/v1/admin/ip-rules/${encodeURIComponent(r.id)}`);
                          rules.reload();
                        })
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
