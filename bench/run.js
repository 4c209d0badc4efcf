import { existsSync, readdirSync } from 'node:fs';
import { describeMachine, formatResult, writeResult } from './lib/report.js';
import { readSettings } from './lib/settings.js';

/**
 * `node bench/run.js [scenario…]`: runs every scenario in bench/scenarios/ (or the named
 * ones) in sequence, prints a table per scenario and writes each result to
 * bench/results/. `npm run bench` builds dist/ first, which the scenarios import.
 */

const scenariosDir = new URL('./scenarios/', import.meta.url);
const log = (line) => process.stdout.write(`${line}\n`);

// Ctrl-C: exit normally so server-process.js can stop the child servers.
process.on('SIGINT', () => process.exit(130));

async function main() {
  const available = readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -'.js'.length))
    .sort();
  const requested = process.argv.slice(2);
  const unknown = requested.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    log(`unknown scenario: ${unknown.join(', ')}; available: ${available.join(', ')}`);
    return 2;
  }
  if (!existsSync(new URL('../dist/rampart.js', import.meta.url))) {
    log('dist/ is missing: run `npm run bench` (it builds first) or `npm run build`.');
    return 2;
  }

  let settings;
  try {
    settings = readSettings();
  } catch (error) {
    log(error.message);
    return 2;
  }
  const machine = describeMachine();
  log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.os}, node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );
  log(
    `load: ${settings.client}, ${settings.connections} connections, ${settings.warmup} s warm-up + ${settings.duration} s per target, ${settings.rounds} round(s), 127.0.0.1 only`,
  );

  for (const name of requested.length > 0 ? requested : available) {
    const scenario = await import(new URL(`${name}.js`, scenariosDir).href);
    log('');
    log(`== ${scenario.name}: ${scenario.description}`);
    const startedAt = new Date().toISOString();
    const outcome = await scenario.run({ settings, log });
    const result = {
      scenario: scenario.name,
      description: scenario.description,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
      settings,
      ...outcome,
    };
    log('');
    for (const line of formatResult(result)) log(line);
    log(`results: ${writeResult(result)}`);
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
}
