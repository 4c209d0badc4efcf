import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Channel } from './alert-channels.js';
import { FormPanel, fieldErrorsOf, SelectField, TextField } from './form-fields.js';
import { useAction } from './ui.js';

const types = [
  { value: 'email', label: 'Email' },
  { value: 'slack', label: 'Slack (incoming webhook)' },
  { value: 'webhook', label: 'Webhook (signed)' },
  { value: 'alertmanager', label: 'Alertmanager' },
];
/**
 * The fields of a channel type, to place the API's errors: the body is a union of the
 * four types, so the API also reports what the other types would want (a `to` for a
 * webhook), and `type` itself is a choice that cannot be wrong.
 */
const fieldsOf = (type: string) => [
  'name',
  'template',
  ...(type === 'email' ? ['to'] : ['url']),
  ...(type === 'webhook' ? ['secret'] : []),
];

/**
 * Adds a channel, or replaces one added through the API. URLs (a Slack URL is a token)
 * and webhook secrets are write-only: the API answers only the URL's origin, so an edit
 * asks for them again rather than showing them back.
 */
export function ChannelForm(props: {
  channel?: Channel;
  onDone: () => void;
  onCancel: () => void;
}) {
  const c = props.channel;
  const [f, setF] = useState({
    name: c?.name ?? '',
    type: c?.type ?? 'email',
    to: c?.type === 'email' ? c.target : '',
    url: '',
    secret: '',
    template: c?.template ?? '',
  });
  const set = (k: keyof typeof f) => (value: string) => setF({ ...f, [k]: value });
  const action = useAction();
  const fields = fieldsOf(f.type);
  const errors = fieldErrorsOf(action.error, fields);
  const body = () => ({
    name: f.name.trim(),
    type: f.type,
    ...(f.type === 'email'
      ? {
          to: f.to
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : { url: f.url.trim() }),
    ...(f.type === 'webhook' ? { secret: f.secret } : {}),
    ...(f.template.trim() ? { template: f.template } : {}),
  });
  const kept = c && c.type !== 'email' && c.target ? ` (now at ${c.target})` : '';
  return (
    <FormPanel
      id="channel-form"
      title={c ? `Edit channel ${c.name}` : 'New channel'}
      action={action}
      fields={fields}
      submitLabel={c ? 'Save channel' : 'Add channel'}
      onCancel={props.onCancel}
      onSubmit={async () => {
        if (c) await api.put(`/v1/alerts/channels/${encodeURIComponent(c.id)}`, body());
        else await api.post('/v1/alerts/channels', body());
        props.onDone();
      }}
    >
      <TextField
        id="channel-name"
        label="Name"
        required
        value={f.name}
        onInput={set('name')}
        error={errors.name}
        help="Rules name their channels by it."
      />
      <SelectField
        id="channel-type"
        label="Type"
        value={f.type}
        onChange={set('type')}
        options={types}
      />
      {f.type === 'email' ? (
        <TextField
          id="channel-to"
          label="Recipients"
          grow
          required
          value={f.to}
          onInput={set('to')}
          error={errors.to}
          placeholder="oncall@example.com, security@example.com"
          help="Email addresses, separated by commas."
        />
      ) : (
        <TextField
          id="channel-url"
          label="URL"
          grow
          required
          type="url"
          value={f.url}
          onInput={set('url')}
          error={errors.url}
          autoComplete="off"
          help={`Write-only: never shown back${kept}.${c ? ' Enter it again to save.' : ''}`}
        />
      )}
      {f.type === 'webhook' ? (
        <TextField
          id="channel-secret"
          label="Signing secret"
          type="password"
          required
          value={f.secret}
          onInput={set('secret')}
          error={errors.secret}
          autoComplete="new-password"
          help="At least 16 characters; bodies carry X-Rampart-Signature. Write-only."
        />
      ) : null}
      <TextField
        id="channel-template"
        label="Message template"
        grow
        rows={3}
        value={f.template}
        onInput={set('template')}
        error={errors.template}
        help="Optional; {{field}} is replaced, escaped for the channel."
      />
    </FormPanel>
  );
}
