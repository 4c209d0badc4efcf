import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Chart } from '../components/chart.js';
import { OpenCounts, ScheduledChecks } from '../components/overview-status.js';
import { Badge, ErrorNotice, Loading, PageHeader, useLoad } from '../components/ui.js';

interface Numbers {
  requests: number | null;
  errors: number | null;
  error_rate: number | null;
  latency_ms: number | null;
  logins_succeeded: number;
  logins_failed: number;
  rate_limited: number;
  blocked: number;
}

interface Overview {
  window: string;
  step_seconds: number;
  generated_at: string;
  http_series: boolean;
  totals: Numbers;
  points: (Numbers & { time: string })[];
}

interface HealthReport {
  status: 'pass' | 'warn' | 'fail';
  checks: Record<string, { status: string; observedValue?: unknown; observedUnit?: string }[]>;
}

const windows = [
  { id: '1h', label: 'Last hour', refreshMs: 10_000 },
  { id: '24h', label: 'Last day', refreshMs: 60_000 },
  { id: '7d', label: 'Last week', refreshMs: 60_000 },
] as const;

/** /health/ready answers 503 with the same report when a check fails: read it either way. */
async function readiness(): Promise<HealthReport> {
  const res = await fetch('/health/ready', { headers: { accept: 'application/health+json' } });
  return (await res.json()) as HealthReport;
}

const palette = {
  blue: '#2563eb',
  red: '#dc2626',
  green: '#16a34a',
  amber: '#d97706',
  purple: '#7c3aed',
};

function fmt(n: number | null, digits = 0): string {
  return n === null ? '—' : n.toLocaleString(undefined, { maximumFractionDigits: digits });
}

function Stat(props: { label: string; value: string; tone?: 'bad' | 'warn' }) {
  return (
    <div class={`stat ${props.tone ? `stat-${props.tone}` : ''}`}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

export function OverviewPage() {
  const [win, setWin] = useState<(typeof windows)[number]>(windows[0]);
  const overview = useLoad(
    () => api.get<Overview>('/v1/monitor/overview', { window: win.id }),
    [win.id],
  );
  const health = useLoad(readiness, []);
  const [tick, setTick] = useState(0);

  // Live: poll while the page is open and visible.
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      overview.reload();
      health.reload();
      setTick((n) => n + 1);
    }, win.refreshMs);
    return () => clearInterval(t);
  }, [win, overview.reload, health.reload]);

  const data = overview.data;
  const times = data?.points.map((p) => Date.parse(p.time) / 1000) ?? [];
  const col = (f: keyof Numbers) => data?.points.map((p) => p[f]) ?? [];
  const t = data?.totals;
  const perMinute = (n: number | null) =>
    n === null || !data ? null : n / ((data.points.length * data.step_seconds) / 60);

  return (
    <>
      <PageHeader title="Overview">
        <fieldset class="segmented">
          <legend class="visually-hidden">Time window</legend>
          {windows.map((w) => (
            <button
              key={w.id}
              type="button"
              aria-pressed={w.id === win.id}
              onClick={() => setWin(w)}
            >
              {w.label}
            </button>
          ))}
        </fieldset>
      </PageHeader>
      <section aria-labelledby="open-title">
        <h2 id="open-title" class="visually-hidden">
          Open alerts and incidents
        </h2>
        <OpenCounts tick={tick} />
      </section>
      <ErrorNotice error={overview.error} />
      {!data && overview.loading ? <Loading /> : null}
      {data && t ? (
        <>
          <section aria-labelledby="totals-title">
            <h2 id="totals-title" class="visually-hidden">
              Totals
            </h2>
            <dl class="stats">
              <Stat label="Requests" value={fmt(t.requests)} />
              <Stat label="Requests / min" value={fmt(perMinute(t.requests), 1)} />
              <Stat
                label="Error rate (5xx)"
                value={t.error_rate === null ? '—' : `${(t.error_rate * 100).toFixed(2)} %`}
                {...((t.error_rate ?? 0) > 0.05 ? { tone: 'bad' as const } : {})}
              />
              <Stat
                label="Mean latency"
                value={t.latency_ms === null ? '—' : `${fmt(t.latency_ms, 1)} ms`}
              />
              <Stat label="Logins succeeded" value={fmt(t.logins_succeeded)} />
              <Stat
                label="Logins failed"
                value={fmt(t.logins_failed)}
                {...(t.logins_failed > 0 ? { tone: 'warn' as const } : {})}
              />
              <Stat label="Rate-limited" value={fmt(t.rate_limited)} />
              <Stat label="Blocked by IP rules" value={fmt(t.blocked)} />
            </dl>
            {!data.http_series ? (
              <p class="muted">Metrics are off (metrics.enabled): request charts are empty.</p>
            ) : null}
            <p class="muted small">
              This node, updated{' '}
              <time dateTime={data.generated_at}>
                {new Date(data.generated_at).toLocaleTimeString()}
              </time>
              .
            </p>
          </section>
          <div class="charts">
            <Chart
              title="Requests and errors"
              times={times}
              series={[
                { label: 'Requests', values: col('requests'), color: palette.blue },
                { label: 'Errors (5xx)', values: col('errors'), color: palette.red },
              ]}
            />
            <Chart
              title="Mean latency"
              unit="ms"
              times={times}
              series={[{ label: 'Latency (ms)', values: col('latency_ms'), color: palette.purple }]}
            />
            <Chart
              title="Logins by outcome"
              times={times}
              series={[
                { label: 'Succeeded', values: col('logins_succeeded'), color: palette.green },
                { label: 'Failed', values: col('logins_failed'), color: palette.red },
              ]}
            />
            <Chart
              title="Rate-limited and blocked requests"
              times={times}
              series={[
                { label: 'Rate-limited', values: col('rate_limited'), color: palette.amber },
                { label: 'Blocked', values: col('blocked'), color: palette.red },
              ]}
            />
          </div>
        </>
      ) : null}
      <section aria-labelledby="health-title" class="panel">
        <h2 id="health-title">
          Health{' '}
          {health.data ? (
            <Badge
              tone={
                health.data.status === 'pass'
                  ? 'good'
                  : health.data.status === 'warn'
                    ? 'warn'
                    : 'bad'
              }
            >
              {health.data.status}
            </Badge>
          ) : null}
        </h2>
        <ErrorNotice error={health.error} />
        {health.data ? (
          <table>
            <caption class="visually-hidden">Readiness checks</caption>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Status</th>
                <th scope="col">Observed</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(health.data.checks).flatMap(([name, results]) =>
                results.map((r, i) => (
                  <tr key={`${name}-${i}`}>
                    <td>{name}</td>
                    <td>
                      <Badge
                        tone={r.status === 'pass' ? 'good' : r.status === 'warn' ? 'warn' : 'bad'}
                      >
                        {r.status}
                      </Badge>
                    </td>
                    <td>
                      {r.observedValue === undefined ? '—' : String(r.observedValue)}{' '}
                      {r.observedUnit ?? ''}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        ) : null}
      </section>
      <ScheduledChecks refreshMs={win.refreshMs} />
    </>
  );
}
