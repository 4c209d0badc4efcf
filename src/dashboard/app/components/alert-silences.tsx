import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { DataTable } from './data-table.js';
import { FormPanel, fieldErrorsOf, SelectField, TextField } from './form-fields.js';
import type { Load } from './ui.js';
import { Badge, ConfirmButton, ErrorNotice, Time, useAction } from './ui.js';

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

const toLocalInput = (iso: string) => {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fields = ['matchers', 'endsAt', 'comment'] as const;

/**
 * The silence form: one line of matchers per label (`label=value`, `label=~regex`, …).
 * A new silence lasts a chosen duration; an edited one keeps its start, and its end time
 * can move (earlier ends it sooner, later extends it).
 */
export function SilenceForm(props: {
  initial: Matcher[];
  silence?: Silence;
  onDone: () => void;
  onCancel: () => void;
}) {
  const s = props.silence;
  const [text, setText] = useState(
    (s?.matchers ?? props.initial).map((m) => `${m.label}${m.op}${m.value}`).join('\n'),
  );
  const [duration, setDuration] = useState('3600');
  const [endsAt, setEndsAt] = useState(s ? toLocalInput(s.endsAt) : '');
  const [comment, setComment] = useState(s?.comment ?? '');
  const action = useAction();
  const errors = fieldErrorsOf(action.error, fields);
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
    <FormPanel
      id="silence"
      title={s ? 'Edit silence' : 'New silence'}
      action={action}
      fields={fields}
      submitLabel={s ? 'Save silence' : 'Create silence'}
      onCancel={props.onCancel}
      onSubmit={async () => {
        const end = s
          ? new Date(endsAt).toISOString()
          : new Date(Date.now() + Number(duration) * 1000).toISOString();
        const body = { matchers: parse(), endsAt: end, comment: comment.trim() };
        if (s)
          await api.put(`/v1/alerts/silences/${encodeURIComponent(s.id)}`, {
            ...body,
            startsAt: s.startsAt,
          });
        else await api.post('/v1/alerts/silences', body);
        props.onDone();
      }}
    >
      <TextField
        id="silence-matchers"
        label="Label matchers (one a line)"
        grow
        rows={4}
        required
        value={text}
        onInput={setText}
        error={errors.matchers}
        help="Alerts whose labels match every line notify nobody while the silence lasts."
      />
      {s ? (
        <TextField
          id="silence-ends"
          label="End time"
          type="datetime-local"
          required
          value={endsAt}
          onInput={setEndsAt}
          error={errors.endsAt}
          help="Your local time."
        />
      ) : (
        <SelectField
          id="silence-duration"
          label="Duration"
          value={duration}
          onChange={setDuration}
          options={durations.map((d) => ({ value: String(d.seconds), label: d.label }))}
        />
      )}
      <TextField
        id="silence-comment"
        label="Comment"
        grow
        value={comment}
        onInput={setComment}
        error={errors.comment}
      />
    </FormPanel>
  );
}

/** Silences, active and not; `alerts:write` edits or removes one. */
export function SilencesTable(props: { writer: boolean; silences: Load<{ items: Silence[] }> }) {
  const { writer, silences } = props;
  const action = useAction();
  const [editing, setEditing] = useState<Silence | undefined>(undefined);
  return (
    <section aria-labelledby="silences-title">
      <h2 id="silences-title">Silences</h2>
      {editing ? (
        <SilenceForm
          key={editing.id}
          initial={[]}
          silence={editing}
          onCancel={() => setEditing(undefined)}
          onDone={() => {
            setEditing(undefined);
            silences.reload();
          }}
        />
      ) : null}
      <ErrorNotice error={action.error} />
      <DataTable
        caption="Silences"
        rows={silences.data?.items}
        error={silences.error}
        rowKey={(s) => s.id}
        empty="No silence."
        columns={[
          { header: 'Matchers', cell: (s) => <code>{matcherText(s.matchers)}</code> },
          {
            header: 'State',
            cell: (s) => (
              <Badge tone={s.active ? 'good' : 'neutral'}>{s.active ? 'active' : 'inactive'}</Badge>
            ),
          },
          { header: 'Ends', cell: (s) => <Time value={s.endsAt} /> },
          { header: 'Comment', cell: (s) => s.comment || <span class="muted">—</span> },
          writer && {
            header: 'Actions',
            hideHeader: true,
            class: 'row-actions',
            cell: (s) => (
              <>
                <button
                  type="button"
                  class="button-secondary"
                  aria-label={`Edit silence ${matcherText(s.matchers)}`}
                  onClick={() => setEditing(s)}
                >
                  Edit
                </button>
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
              </>
            ),
          },
        ]}
      />
    </section>
  );
}
