import type { ComponentChildren } from 'preact';
import { ApiError, describeError } from '../api.js';
import type { useAction } from './ui.js';

/** A field's message from the API, by the form's field name. */
export type FieldErrors = Partial<Record<string, string>>;

interface Issue {
  path?: string;
  message?: string;
}

/**
 * The API's `errors` (validation_failed and the capability errors that list fields) by
 * form field: `/to/0` belongs to the field `to`, `/conditions/timeWindow/from` to
 * `conditions/timeWindow` if the form names it (the longest field that holds the path).
 * A body schema that is a union (a channel of one of four types) reports every variant's
 * complaint, so a field other variants lack reads "is not allowed": that noise is dropped,
 * as are fields the form does not have.
 */
export function fieldErrorsOf(error: unknown, fields: readonly string[]): FieldErrors {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.errors)) return {};
  const out: FieldErrors = {};
  for (const issue of error.problem.errors as Issue[]) {
    const path = issue.path ?? '';
    const field = fields
      .filter((f) => path === `/${f}` || path.startsWith(`/${f}/`))
      .sort((a, b) => b.length - a.length)[0];
    if (!field || out[field] || issue.message === 'is not allowed') continue;
    out[field] = issue.message ?? 'is invalid';
  }
  return out;
}

/** The form's error line: for field errors, a pointer to them; else the API's sentence. */
export function FormError(props: { error: unknown; fields: readonly string[] }) {
  if (!props.error) return null;
  const placed = Object.keys(fieldErrorsOf(props.error, props.fields)).length;
  return (
    <div class="notice notice-error" role="alert">
      {placed === 1
        ? 'A field needs a change: see the message under it (validation_failed).'
        : placed > 1
          ? `${placed} fields need a change: see the messages under them (validation_failed).`
          : describeError(props.error)}
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  error?: string | undefined;
  help?: ComponentChildren;
  grow?: boolean;
}

const describedBy = (p: FieldProps) =>
  [p.help ? `${p.id}-help` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ') ||
  undefined;

function FieldShell(props: FieldProps & { children: ComponentChildren }) {
  return (
    <div class={props.grow ? 'field grow' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.help ? (
        <span class="help" id={`${props.id}-help`}>
          {props.help}
        </span>
      ) : null}
      {props.error ? (
        <span class="field-error" id={`${props.id}-error`}>
          {props.label} {props.error}
        </span>
      ) : null}
    </div>
  );
}

/** A labelled text input (or textarea with `rows`), with help and the API's message. */
export function TextField(
  props: FieldProps & {
    value: string;
    onInput: (value: string) => void;
    type?: 'text' | 'email' | 'password' | 'url' | 'datetime-local' | 'time' | 'number';
    required?: boolean;
    placeholder?: string;
    rows?: number;
    autoComplete?: string;
  },
) {
  const common = {
    id: props.id,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    'aria-invalid': props.error ? ('true' as const) : undefined,
    'aria-describedby': describedBy(props),
  };
  return (
    <FieldShell {...props}>
      {props.rows ? (
        <textarea
          {...common}
          rows={props.rows}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      ) : (
        <input
          {...common}
          type={(props.type ?? 'text') as 'text'}
          autoComplete={props.autoComplete}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      )}
    </FieldShell>
  );
}

export function SelectField(
  props: FieldProps & {
    value: string;
    onChange: (value: string) => void;
    options: readonly (string | { value: string; label: string })[];
  },
) {
  return (
    <FieldShell {...props}>
      <select
        id={props.id}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props)}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.options.map((o) => {
          const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={value} value={value}>
              {label}
            </option>
          );
        })}
      </select>
    </FieldShell>
  );
}

/** A group of checkboxes under one legend (roles, week days). */
export function CheckboxGroup(props: {
  legend: string;
  options: readonly string[];
  checked: readonly string[];
  onChange: (checked: string[]) => void;
  error?: string | undefined;
  idPrefix: string;
}) {
  return (
    <fieldset class="checkbox-group">
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o} class="inline" for={`${props.idPrefix}-${o}`}>
          <input
            id={`${props.idPrefix}-${o}`}
            type="checkbox"
            checked={props.checked.includes(o)}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked
                  ? [...props.checked, o]
                  : props.checked.filter((x) => x !== o),
              )
            }
          />{' '}
          {o}
        </label>
      ))}
      {props.error ? <span class="field-error">{props.error}</span> : null}
    </fieldset>
  );
}

/**
 * A form panel: a title, its fields, the API's error, submit and cancel. `onSubmit` runs
 * through the action, so the button is disabled while it is pending.
 */
export function FormPanel(props: {
  title: string;
  id: string;
  action: ReturnType<typeof useAction>;
  fields: readonly string[];
  onSubmit: () => Promise<unknown>;
  submitLabel: string;
  onCancel?: () => void;
  children: ComponentChildren;
}) {
  return (
    <form
      class="panel"
      aria-labelledby={`${props.id}-title`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void props.action.run(props.onSubmit);
      }}
    >
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <div class="form-grid">{props.children}</div>
      <FormError error={props.action.error} fields={props.fields} />
      <div class="actions">
        <button type="submit" disabled={props.action.pending}>
          {props.submitLabel}
        </button>
        {props.onCancel ? (
          <button type="button" class="button-secondary" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
