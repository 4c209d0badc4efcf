import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Load } from './ui.js';
import { Badge, ConfirmButton, Empty, ErrorNotice, Time, useAction } from './ui.js';

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string | null;
  active: boolean;
}

const durations = [
  { label: '15 minutes', seconds: 900 },
  { label: '1 hour', seconds: 3600 },
  { label: '4 hours', seconds: 14_400 },
  { label: '1 day', seconds: 86_400 },
  { label: '1 week', seconds: 604_800 },
];

const matcherText = (m: Matcher[]) => m.map((x) => `${x.label}${x.op}"${x.value}"`).join(', ');

/** The silence form: one line of matchers per label (`label=value`, `label=~regex`, …). */
export function SilenceForm(props: {
  initial: Matcher[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(
    props.initial.map((m) => `${m.label}${m.op}${m.value}`).join('\n'),
  );
  const [duration, setDuration] = useState(3600);
  const [comment, setComment] = useState('');
  const action = useAction();
  const parse = (): Matcher[] =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => {
        const m = line.match(/^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*)$/);
        if (!m) throw new Error(`Not a matcher: ${line} (write label=value, !=, =~ or !~)`);
        return { label: m[1] as string, op: m[2] as Matcher['op'], value: m[3] as string };
      });
  return (
    <form
      class="panel"
      aria-labelledby="silence-title"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await api.post('/v1/alerts/silences', {
            matchers: parse(),
            endsAt: new Date(Date.now() + duration * 1000).toISOString(),
            comment: comment.trim(),
          });
          props.onDone();
        });
      }}
    >
      <h2 id="silence-title">New silence</h2>
      <label for="silence-matchers">Label matchers (one a line)</label>
      <textarea
        id="silence-matchers"
        rows={4}
        required
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <p class="help">
        Alerts whose labels match every line notify nobody while the silence lasts.
      </p>
      <label for="silence-duration">Duration</label>
      <select
        id="silence-duration"
        value={duration}
        onChange={(e) => setDuration(Number(e.currentTarget.value))}
      >
        {durations.map((d) => (
          <option key={d.seconds} value={d.seconds}>
            {d.label}
          </option>
        ))}
      </select>
      <label for="silence-comment">Comment</label>
      <input
        id="silence-comment"
        maxLength={1024}
        value={comment}
        onInput={(e) => setComment(e.currentTarget.value)}
      />
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.pending}>
          Create silence
        </button>
        <button type="button" class="button-secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Silences, active and not; `alerts:write` removes one. */
export function SilencesTable(props: { writer: boolean; silences: Load<{ items: Silence[] }> }) {
  const { writer, silences } = props;
  const action = useAction();
  return (
    <section aria-labelledby="silences-title">
      <h2 id="silences-title">Silences</h2>
      <ErrorNotice error={silences.error} />
      <ErrorNotice error={action.error} />
      {silences.data?.items.length === 0 ? <Empty>No silence.</Empty> : null}
      {silences.data && silences.data.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Silences</caption>
            <thead>
              <tr>
                <th scope="col">Matchers</th>
                <th scope="col">State</th>
                <th scope="col">Ends</th>
                <th scope="col">Comment</th>
                {writer ? (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {silences.data.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <code>{matcherText(s.matchers)}</code>
                  </td>
                  <td>
                    <Badge tone={s.active ? 'good' : 'neutral'}>
                      {s.active ? 'active' : 'inactive'}
                    </Badge>
                  </td>
                  <td>
                    <Time value={s.endsAt} />
                  </td>
                  <td>{s.comment || <span class="muted">—</span>}</td>
                  {writer ? (
                    <td>
                      <ConfirmButton
                        label="Remove"
                        confirmLabel="Confirm: remove silence"
                        onConfirm={() =>
                          action.run(async () => {
                            await api.delete(`/v1/alerts/silences/${encodeURIComponent(s.id)}`);
                            silences.reload();
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
