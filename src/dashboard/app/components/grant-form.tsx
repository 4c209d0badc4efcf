import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { CheckboxGroup, FormPanel, fieldErrorsOf, SelectField, TextField } from './form-fields.js';
import { useAction } from './ui.js';

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const environments = ['development', 'staging', 'production'];
const operators = ['equals', 'in', 'prefix', 'lt', 'lte', 'gt', 'gte'];
const fields = [
  'subject',
  'resourceType',
  'resourceId',
  'actions',
  'effect',
  'conditions',
  'conditions/timeWindow',
  'conditions/ipCidrs',
  'conditions/environments',
  'conditions/attributes',
] as const;

interface Predicate {
  source: string;
  key: string;
  op: string;
  value: string;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `42` is a number, `true`/`false` a boolean, anything else the text itself. */
function attributeValue(text: string): string | number | boolean {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

const empty = {
  subjectKind: 'role',
  subject: '',
  resourceType: '',
  resourceId: '*',
  actions: '',
  effect: 'allow',
  cidrs: '',
  days: [] as string[],
  from: '',
  to: '',
  timezone: '',
  start: '',
  end: '',
  environments: [] as string[],
};

/**
 * Adds a grant with any condition the API accepts: a time window (days, hours in a time
 * zone, a start and an end), client CIDRs, environments and attribute predicates on the
 * request context or the resource. Conditions left empty are not sent.
 */
export function GrantForm(props: { onDone: () => void }) {
  const [f, setF] = useState(empty);
  const [predicates, setPredicates] = useState<Predicate[]>([]);
  const action = useAction();
  const errors = fieldErrorsOf(action.error, fields);
  const set = (k: keyof typeof f) => (value: string | string[]) => setF({ ...f, [k]: value });
  const conditions = () => {
    const window = {
      ...(f.days.length ? { days: f.days } : {}),
      ...(f.from ? { from: f.from } : {}),
      ...(f.to ? { to: f.to } : {}),
      ...(f.timezone.trim() ? { timezone: f.timezone.trim() } : {}),
      ...(f.start ? { start: new Date(f.start).toISOString() } : {}),
      ...(f.end ? { end: new Date(f.end).toISOString() } : {}),
    };
    const cidrs = list(f.cidrs);
    const attributes = predicates.map((p) => ({
      source: p.source,
      key: p.key.trim(),
      op: p.op,
      value: p.op === 'in' ? list(p.value).map(attributeValue) : attributeValue(p.value),
    }));
    const c = {
      ...(Object.keys(window).length ? { timeWindow: window } : {}),
      ...(cidrs.length ? { ipCidrs: cidrs } : {}),
      ...(f.environments.length ? { environments: f.environments } : {}),
      ...(attributes.length ? { attributes } : {}),
    };
    return Object.keys(c).length ? { conditions: c } : {};
  };
  const setPredicate = (i: number, k: keyof Predicate) => (value: string) =>
    setPredicates(predicates.map((p, j) => (j === i ? { ...p, [k]: value } : p)));
  return (
    <FormPanel
      id="grant-form"
      title="Add a grant"
      action={action}
      fields={fields}
      submitLabel="Add grant"
      onSubmit={async () => {
        const subject = f.subject.trim();
        await api.post('/v1/authz/grants', {
          subject: f.subjectKind === 'role' ? { role: subject } : { principal: subject },
          resourceType: f.resourceType.trim(),
          resourceId: f.resourceId.trim(),
          actions: list(f.actions),
          effect: f.effect,
          ...conditions(),
        });
        setF(empty);
        setPredicates([]);
        props.onDone();
      }}
    >
      <SelectField
        id="grant-subjectKind"
        label="Subject"
        value={f.subjectKind}
        onChange={set('subjectKind')}
        options={[
          { value: 'role', label: 'role' },
          { value: 'principal', label: 'principal (account id)' },
        ]}
      />
      <TextField
        id="grant-subject"
        label="Role or principal"
        required
        placeholder="auditor"
        value={f.subject}
        onInput={set('subject')}
        error={errors.subject}
      />
      <TextField
        id="grant-resourceType"
        label="Resource type"
        required
        placeholder="docs"
        value={f.resourceType}
        onInput={set('resourceType')}
        error={errors.resourceType}
      />
      <TextField
        id="grant-resourceId"
        label="Resource id"
        required
        placeholder="report-* or *"
        value={f.resourceId}
        onInput={set('resourceId')}
        error={errors.resourceId}
      />
      <TextField
        id="grant-actions"
        label="Actions"
        required
        placeholder="read, update"
        value={f.actions}
        onInput={set('actions')}
        error={errors.actions}
      />
      <SelectField
        id="grant-effect"
        label="Effect"
        value={f.effect}
        onChange={set('effect')}
        options={['allow', 'deny']}
      />
      <fieldset class="panel condition-set">
        <legend>Time window</legend>
        <CheckboxGroup
          legend="Days"
          idPrefix="grant-day"
          options={days}
          checked={f.days}
          onChange={set('days')}
        />
        <div class="form-grid">
          <TextField
            id="grant-from"
            label="From"
            type="time"
            value={f.from}
            onInput={set('from')}
          />
          <TextField id="grant-to" label="To" type="time" value={f.to} onInput={set('to')} />
          <TextField
            id="grant-timezone"
            label="Time zone"
            placeholder="Europe/Paris"
            value={f.timezone}
            onInput={set('timezone')}
            help="IANA name; UTC when empty."
          />
          <TextField
            id="grant-start"
            label="Starts"
            type="datetime-local"
            value={f.start}
            onInput={set('start')}
          />
          <TextField
            id="grant-end"
            label="Ends"
            type="datetime-local"
            value={f.end}
            onInput={set('end')}
          />
        </div>
        {errors['conditions/timeWindow'] ? (
          <span class="field-error">Time window {errors['conditions/timeWindow']}</span>
        ) : null}
      </fieldset>
      <fieldset class="panel condition-set">
        <legend>Where and in which environment</legend>
        <TextField
          id="grant-cidrs"
          label="Only from CIDRs"
          placeholder="10.0.0.0/8, 2001:db8::/32"
          value={f.cidrs}
          onInput={set('cidrs')}
          error={errors['conditions/ipCidrs']}
        />
        <CheckboxGroup
          legend="Environments"
          idPrefix="grant-env"
          options={environments}
          checked={f.environments}
          onChange={set('environments')}
          error={errors['conditions/environments']}
        />
      </fieldset>
      <fieldset class="panel condition-set">
        <legend>Attribute predicates</legend>
        {predicates.map((p, i) => (
          <div class="form-grid" key={i}>
            <SelectField
              id={`grant-attr-${i}-source`}
              label={`Predicate ${i + 1} source`}
              value={p.source}
              onChange={setPredicate(i, 'source')}
              options={['context', 'resource']}
            />
            <TextField
              id={`grant-attr-${i}-key`}
              label={`Predicate ${i + 1} key`}
              value={p.key}
              onInput={setPredicate(i, 'key')}
              placeholder="department"
            />
            <SelectField
              id={`grant-attr-${i}-op`}
              label={`Predicate ${i + 1} operator`}
              value={p.op}
              onChange={setPredicate(i, 'op')}
              options={operators}
            />
            <TextField
              id={`grant-attr-${i}-value`}
              label={`Predicate ${i + 1} value`}
              value={p.value}
              onInput={setPredicate(i, 'value')}
              help={p.op === 'in' ? 'Values separated by commas.' : undefined}
            />
            <button
              type="button"
              class="button-secondary"
              onClick={() => setPredicates(predicates.filter((_, j) => j !== i))}
            >
              Remove predicate {i + 1}
            </button>
          </div>
        ))}
        <button
          type="button"
          class="button-secondary"
          onClick={() =>
            setPredicates([...predicates, { source: 'context', key: '', op: 'equals', value: '' }])
          }
        >
          Add a predicate
        </button>
        {errors['conditions/attributes'] ? (
          <span class="field-error">Predicates {errors['conditions/attributes']}</span>
        ) : null}
      </fieldset>
    </FormPanel>
  );
}
