import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig } from '../../dist/config/index.js';
import { createRampart } from '../../dist/rampart.js';

export const name = 'alert-delivery';
export const description =
  'Detector signal event to signed webhook delivery on a loopback receiver (no grouping wait), and the /metrics scrape time with the full label set';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

const round3 = (ms) => Math.round(ms * 1000) / 1000;

async function startReceiver(onAlert) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (body.status === 'firing') onAlert(body.alert.labels.key, at);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, close: () => server.close() };
}

let serial = 0;

/** One signal at a time, each for a new key, so each opens (and notifies) its own alert. */
async function measureDelivery(rampart, count, waiting) {
  const latencies = [];
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    serial += 1;
    const key = `198.51.${Math.floor(serial / 250)}.${serial % 250}`;
    const delivered = new Promise((resolve) => waiting.set(key, resolve));
    const t0 = performance.now();
    await rampart.events.publish({
      type: 'detector.signal',
      outcome: 'failure',
      actor: { kind: 'anonymous', ip: key },
      details: { detector: 'brute_force', severity: 'high', key, evidence: { failures: 20 } },
    });
    const at = await delivered;
    latencies.push(at - t0);
  }
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  latencies.sort((a, b) => a - b);
  return {
    rps: count / (elapsedMs / 1000),
    p50: round3(percentile(latencies, 0.5)),
    p99: round3(percentile(latencies, 0.99)),
    cpuMicrosPerRequest: (cpu.user + cpu.system) / count,
    serverCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
  };
}

/** Fills every label the metrics carry: each event type and outcome, routes and statuses. */
async function fillLabels(rampart) {
  const { securityEventTypes } = await import('../../dist/events/security-event.js');
  for (const type of Object.keys(securityEventTypes)) {
    for (const outcome of ['success', 'failure', 'denied']) {
      await rampart.events.publish({ type, outcome, actor: { kind: 'system' }, details: {} });
    }
  }
  for (const url of [
    '/health',
    '/health/ready',
    '/v1/me',
    '/v1/alerts',
    '/nope',
    '/openapi.json',
  ]) {
    for (const method of ['GET', 'POST', 'DELETE']) await rampart.app.inject({ method, url });
  }
}

async function measureScrape(rampart, count) {
  const latencies = [];
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await rampart.app.inject({ method: 'GET', url: '/metrics' });
    latencies.push(performance.now() - t0);
    bytes = res.body.length;
  }
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  latencies.sort((a, b) => a - b);
  return {
    rps: count / (elapsedMs / 1000),
    p50: round3(percentile(latencies, 0.5)),
    p99: round3(percentile(latencies, 0.99)),
    cpuMicrosPerRequest: (cpu.user + cpu.system) / count,
    serverCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    bytes,
  };
}

export async function run({ log }) {
  const waiting = new Map();
  const receiver = await startReceiver((key, at) => {
    waiting.get(key)?.(at);
    waiting.delete(key);
  });
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: {
      host: '127.0.0.1',
      port: 0,
      masterKey: randomBytes(32).toString('base64'),
      databaseUrl: 'sqlite::memory:',
      alerts: {
        // The periodic evaluation is slow on purpose: a signal triggers its own at once.
        evaluationIntervalMs: 5000,
        channels: [
          {
            name: 'bench-hook',
            type: 'webhook',
            url: receiver.url,
            secret: randomBytes(16).toString('hex'),
          },
        ],
        rules: [
          {
            name: 'brute-force',
            signal: { labels: { detector: 'brute_force' } },
            aggregation: 'count',
            window: 60,
            operator: 'gte',
            threshold: 1,
            groupBy: ['key'],
            channels: ['bench-hook'],
          },
        ],
      },
    },
  });
  const rampart = await createRampart(config, { logger: pino({ level: 'silent' }) });
  const targets = [];
  let scrapeBytes = 0;
  try {
    await rampart.alerts.manager.settled();
    log('  event → webhook (200 warm-up, 1000 measured)');
    await measureDelivery(rampart, 200, waiting);
    targets.push({
      id: 'event-to-webhook',
      label: 'detector.signal → signed webhook received, one new alert each (SQLite)',
      ...(await measureDelivery(rampart, 1000, waiting)),
    });
    log('  /metrics scrape (full label set, 50 warm-up, 300 measured)');
    await fillLabels(rampart);
    await measureScrape(rampart, 50);
    const scrape = await measureScrape(rampart, 300);
    scrapeBytes = scrape.bytes;
    targets.push({
      id: 'metrics-scrape',
      label: 'GET /metrics, every event type and outcome',
      ...scrape,
    });
  } finally {
    await rampart.close();
    receiver.close();
  }
  const delivery = targets.find((t) => t.id === 'event-to-webhook');
  const scrape = targets.find((t) => t.id === 'metrics-scrape');
  return {
    targets,
    comparisons: [
      ...(delivery
        ? [
            {
              label: 'event → webhook: 1000 ms / p99',
              ratio: 1000 / delivery.p99,
              minimum: 1,
              pass: delivery.p99 < 1000,
            },
          ]
        : []),
      ...(scrape
        ? [
            {
              label: '/metrics: 50 ms / p99',
              ratio: 50 / scrape.p99,
              minimum: 1,
              pass: scrape.p99 < 50,
            },
          ]
        : []),
    ],
    notes: [
      'Columns: req/s are deliveries (or scrapes) per second one at a time; p50/p99 are ms from publish() to the receiver having the whole body (or for one GET /metrics through inject).',
      'Each delivery: the bus, pub/sub to the evaluator, an evaluation of the rule, a versioned state write and a history row in SQLite, HMAC signing, an HTTP POST to 127.0.0.1, and a delivery row.',
      `/metrics body: ${scrapeBytes} bytes.`,
    ],
  };
}
