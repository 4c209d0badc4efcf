import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  ConfirmButton,
  Empty,
  ErrorNotice,
  PageHeader,
  Time,
  useAction,
  useLoad,
} from '../components/ui.js';

interface Rule {
  id: string;
  name: string;
  method: string;
  url: string;
  limit: number;
  window: number;
  key: string[];
  createdBy: string | null;
  createdAt: string;
}

const keyParts = ['ip', 'user', 'apiKey', 'route'] as const;

export function RateLimitsPage() {
  const rules = useLoad(() => api.get<{ items: Rule[] }>('/v1/admin/rate-limits'), []);
  const action = useAction();
  const [method, setMethod] = useState('*');
  const [url, setUrl] = useState('');
  const [limit, setLimit] = useState(60);
  const [windowSeconds, setWindowSeconds] = useState(60);
  const [key, setKey] = useState<string[]>(['ip']);
  const toggle = (k: string) => setKey(key.includes(k) ? key.filter((x) => x !== k) : [...key, k]);

  return (
    <>
      <PageHeader title="Rate-limit policies" />
      <p class="muted">
        Policies added here apply on every node at once, ahead of the configured ones
        (rateLimit.routes).
      </p>
      <form
        class="filters"
        aria-label="New rate-limit policy"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await api.post('/v1/admin/rate-limits', {
              method,
              url: url.trim(),
              limit,
              window: windowSeconds,
              key,
            });
            setUrl('');
            rules.reload();
          });
        }}
      >
        <div class="field">
          <label for="rl-method">Method</label>
          <select id="rl-method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
            {['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
              <option key={m} value={m}>
                {m === '*' ? 'Any' : m}
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="rl-url">Route</label>
          <input
            id="rl-url"
            required
            pattern="/.*"
            placeholder="/v1/auth/login"
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="rl-limit">Requests</label>
          <input
            id="rl-limit"
            type="number"
            min={0}
            required
            value={limit}
            onInput={(e) => setLimit(Number(e.currentTarget.value))}
          />
        </div>
        <div class="field">
          <label for="rl-window">Per seconds</label>
          <input
            id="rl-window"
            type="number"
            min={1}
            max={86400}
            required
            value={windowSeconds}
            onInput={(e) => setWindowSeconds(Number(e.currentTarget.value))}
          />
        </div>
        <fieldset class="field roles">
          <legend>Counted per</legend>
          {keyParts.map((k) => (
            <label key={k} class="inline">
              <input type="checkbox" checked={key.includes(k)} onChange={() => toggle(k)} /> {k}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={action.pending || key.length === 0}>
          Add policy
        </button>
      </form>
      <ErrorNotice error={action.error} />
      <ErrorNotice error={rules.error} />
      {rules.data?.items.length === 0 ? <Empty>No policy added through the API.</Empty> : null}
      {rules.data && rules.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Rate-limit policies</caption>
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Limit</th>
                <th scope="col">Per</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.data.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <code>
                      {r.method} {r.url}
                    </code>
                  </td>
                  <td>
                    {r.limit} / {r.window} s
                  </td>
                  <td>{r.key.join(' + ')}</td>
                  <td>
                    <Time value={r.createdAt} />
                  </td>
                  <td>
                    <ConfirmButton
                      label="Remove"
                      danger
                      onConfirm={() =>
                        action.run(async () => {
                          await api.delete(`/v1/admin/rate-limits/${encodeURIComponent(r.id)}`);
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
