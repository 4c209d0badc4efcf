import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api.js';

export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 id="page-title" tabIndex={-1}>
        {props.title}
      </h1>
      {props.children ? <div class="page-actions">{props.children}</div> : null}
    </header>
  );
}

export function Notice(props: { kind: 'error' | 'success' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

export function ErrorNotice(props: { error: unknown }) {
  return props.error ? <Notice kind="error">{describeError(props.error)}</Notice> : null;
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

export interface Load<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `fetcher` now and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[]): Load<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setLoading(true);
    fetcher()
      .then((d) => {
        if (run !== latest.current) return;
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (run === latest.current) setError(e);
      })
      .finally(() => {
        if (run === latest.current) setLoading(false);
      });
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Runs an action, keeping its pending state and error for the form that started it. */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      return await action();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { pending, error, run, setError };
}

export function Time(props: { value: string | number | null | undefined }) {
  if (props.value === null || props.value === undefined) return <span class="muted">—</span>;
  const d = new Date(props.value);
  return (
    <time dateTime={d.toISOString()} title={d.toISOString()}>
      {d.toLocaleString()}
    </time>
  );
}

export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" class="button-secondary" onClick={() => void copy()}>
      {copied ? 'Copied' : (props.label ?? 'Copy')}
      <span class="visually-hidden" aria-live="polite">
        {copied ? ' to the clipboard' : ''}
      </span>
    </button>
  );
}

/** A button that asks once more before a destructive action (no modal dialog). */
export function ConfirmButton(props: {
  label: string;
  confirmLabel?: string;
  onConfirm: () => void | Promise<void>;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(false), 5000);
    return () => clearTimeout(t);
  }, [armed]);
  return (
    <button
      type="button"
      class={props.danger ? 'button-danger' : 'button-secondary'}
      disabled={props.disabled}
      onClick={() => {
        if (!armed) return setArmed(true);
        setArmed(false);
        void props.onConfirm();
      }}
    >
      {armed ? (props.confirmLabel ?? `Confirm: ${props.label}`) : props.label}
    </button>
  );
}

export function Badge(props: {
  tone?: 'good' | 'warn' | 'bad' | 'neutral';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${props.tone ?? 'neutral'}`}>{props.children}</span>;
}

const severityTone = { info: 'neutral', notice: 'good', warning: 'warn', critical: 'bad' } as const;
export function SeverityBadge(props: { severity: string }) {
  const tone = severityTone[props.severity as keyof typeof severityTone] ?? 'neutral';
  return <Badge tone={tone}>{props.severity}</Badge>;
}

const outcomeTone = { success: 'good', failure: 'bad', denied: 'warn' } as const;
export function OutcomeBadge(props: { outcome: string }) {
  const tone = outcomeTone[props.outcome as keyof typeof outcomeTone] ?? 'neutral';
  return <Badge tone={tone}>{props.outcome}</Badge>;
}

const alertSeverityTone = { low: 'neutral', medium: 'warn', high: 'bad', critical: 'bad' } as const;
/** Severity of an alert or incident: low, medium, high, critical. */
export function AlertSeverity(props: { severity: string }) {
  const tone = alertSeverityTone[props.severity as keyof typeof alertSeverityTone] ?? 'neutral';
  return <Badge tone={tone}>{props.severity}</Badge>;
}
