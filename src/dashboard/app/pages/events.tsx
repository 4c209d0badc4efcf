import { useEffect, useRef, useState } from 'preact/hooks';
import { refreshSession, signedOut, withQuery } from '../api.js';
import { Empty, Notice, OutcomeBadge, PageHeader, SeverityBadge, Time } from '../components/ui.js';

interface LiveEvent {
  id: string;
  type: string;
  time: string;
  outcome: string;
  severity: string;
  actor: { kind: string; id: string | null; ip: string | null };
  target: { type: string; id: string | null } | null;
  details: Record<string, unknown>;
}

const keep = 300;

/**
 * Security events as they happen on any node (GET /v1/events/stream). Arrivals are
 * buffered and drawn once per animation frame, so a burst of thousands per second costs
 * one render a frame, and only the newest {@link keep} rows stay in the page.
 */
export function EventsPage() {
  const [type, setType] = useState('');
  const [outcome, setOutcome] = useState('');
  const [severity, setSeverity] = useState('');
  const [filter, setFilter] = useState({ type: '', outcome: '', min_severity: '' });
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting' | 'paused'>(
    'connecting',
  );
  const [paused, setPaused] = useState(false);
  const [received, setReceived] = useState(0);
  const [dropped, setDropped] = useState(0);
  const [filterError, setFilterError] = useState('');
  const buffer = useRef<LiveEvent[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let source: EventSource | undefined;
    let frame = 0;
    let closed = false;
    let count = 0;
    let attempts = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      frame = 0;
      const batch = buffer.current;
      buffer.current = [];
      setReceived(count);
      if (batch.length === 0 || pausedRef.current) return;
      setEvents((old) => [...batch.reverse(), ...old].slice(0, keep));
    };
    const open = () => {
      setStatus('connecting');
      source = new EventSource(withQuery('/v1/events/stream', filter));
      source.onopen = () => {
        attempts = 0;
        setStatus('live');
      };
      source.addEventListener('security-event', (m) => {
        count++;
        buffer.current.push(JSON.parse((m as MessageEvent<string>).data) as LiveEvent);
        if (buffer.current.length > keep) buffer.current.splice(0, buffer.current.length - keep);
        frame ||= requestAnimationFrame(flush);
      });
      source.addEventListener('dropped', (m) => {
        const { count: n } = JSON.parse((m as MessageEvent<string>).data) as { count: number };
        setDropped((d) => d + n);
      });
      source.onerror = () => {
        if (closed || !source) return;
        setStatus('reconnecting');
        if (source.readyState !== EventSource.CLOSED) return; // the browser retries itself
        // Refused, most likely an expired access cookie: renew the session, then reconnect
        // with a growing delay (1 s, 2 s, 4 s … 30 s) so a lasting refusal is not a loop.
        source.close();
        attempts++;
        void refreshSession().then((renewed) => {
          if (closed) return;
          if (!renewed) return signedOut();
          retry = setTimeout(open, Math.min(30_000, 1000 * 2 ** (attempts - 1)));
        });
      };
    };
    open();
    return () => {
      closed = true;
      source?.close();
      if (retry) clearTimeout(retry);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [filter]);

  const apply = (e: Event) => {
    e.preventDefault();
    const types = type.replace(/,+$/, '');
    // The server's pattern for `type`: a stream it refuses would only be retried.
    if (types && !/^[a-z*][a-z0-9_.*-]*(,[a-z*][a-z0-9_.*-]*)*$/.test(types)) {
      setFilterError(
        'Types are lower-case event names separated by commas, such as auth.* or ip.banned.',
      );
      return;
    }
    setFilterError('');
    setEvents([]);
    setFilter({ type: types, outcome, min_severity: severity });
  };

  return (
    <>
      <PageHeader title="Live security events">
        <span class={`live-status live-${paused ? 'paused' : status}`} role="status">
          {paused
            ? 'Paused'
            : status === 'live'
              ? 'Live'
              : status === 'connecting'
                ? 'Connecting…'
                : 'Reconnecting…'}
        </span>
        <button
          type="button"
          class="button-secondary"
          aria-pressed={paused}
          onClick={() => setPaused(!paused)}
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" class="button-secondary" onClick={() => setEvents([])}>
          Clear
        </button>
      </PageHeader>
      <form class="filters" onSubmit={apply} aria-label="Event filters">
        <div class="field">
          <label for="ev-type">Types</label>
          <input
            id="ev-type"
            placeholder="auth.*, ip.banned"
            value={type}
            onInput={(e) => setType(e.currentTarget.value.replace(/\s+/g, ''))}
          />
        </div>
        <div class="field">
          <label for="ev-outcome">Outcome</label>
          <select
            id="ev-outcome"
            value={outcome}
            onChange={(e) => setOutcome(e.currentTarget.value)}
          >
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
            <option value="denied">Denied</option>
          </select>
        </div>
        <div class="field">
          <label for="ev-severity">Minimum severity</label>
          <select
            id="ev-severity"
            value={severity}
            onChange={(e) => setSeverity(e.currentTarget.value)}
          >
            <option value="">Any</option>
            <option value="notice">Notice</option>
            <option value="warning">Warning</option>
            <option value="critical">Critical</option>
          </select>
        </div>
        <button type="submit">Apply</button>
      </form>
      {filterError ? <Notice kind="error">{filterError}</Notice> : null}
      <p class="muted small">
        {received.toLocaleString()} events received since the page opened.
        {dropped > 0
          ? ` ${dropped.toLocaleString()} skipped by the server while this page fell behind.`
          : ''}
      </p>
      {events.length === 0 ? (
        <Empty>No events yet. They appear here the moment they happen.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="events-table">
            <caption class="visually-hidden">Newest events first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Type</th>
                <th scope="col">Outcome</th>
                <th scope="col">Severity</th>
                <th scope="col">Actor</th>
                <th scope="col">IP</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time value={e.time} />
                  </td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td>
                    <OutcomeBadge outcome={e.outcome} />
                  </td>
                  <td>
                    <SeverityBadge severity={e.severity} />
                  </td>
                  <td>
                    {e.actor.kind}
                    {e.actor.id ? <span class="muted"> {e.actor.id}</span> : null}
                  </td>
                  <td>{e.actor.ip ?? '—'}</td>
                  <td>
                    {e.target ? `${e.target.type}${e.target.id ? ` ${e.target.id}` : ''}` : '—'}
                  </td>
                  <td>
                    {Object.keys(e.details).length > 0 ? (
                      <details>
                        <summary>Show</summary>
                        <pre class="json">{JSON.stringify(e.details, null, 2)}</pre>
                      </details>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
