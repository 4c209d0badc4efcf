import { measureLoad } from './load-generator.js';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures several targets one after another, `settings.rounds` times in interleaved
 * order (A B C A B C …) so that a burst of load from elsewhere on the machine is spread
 * over every target rather than landing on one. Each metric is the median over rounds.
 *
 * @param {{ id: string, label: string, request: object, server?: object }[]} targets
 * @param {object} settings from readSettings()
 * @param {(line: string) => void} log
 */
export async function compareTargets(targets, settings, log) {
  const rounds = new Map(targets.map((t) => [t.id, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of targets) {
      log(`  round ${round}/${settings.rounds}: ${target.label}`);
      rounds.get(target.id).push(await measureLoad(target.request, settings, target.server));
    }
  }
  return targets.map((target) => {
    const measured = rounds.get(target.id);
    return {
      id: target.id,
      label: target.label,
      rps: median(measured.map((m) => m.rps)),
      p50: median(measured.map((m) => m.p50)),
      p99: median(measured.map((m) => m.p99)),
      ...(measured[0].cpuMicrosPerRequest === undefined
        ? {}
        : {
            cpuMicrosPerRequest: median(measured.map((m) => m.cpuMicrosPerRequest)),
            serverCpuShare: median(measured.map((m) => m.serverCpuShare)),
          }),
      rounds: measured,
    };
  });
}

/**
 * `numerator.rps / denominator.rps` checked against a minimum (if any); the verdict is on req/s.
 *
 * @example
 * compareThroughput(results, 'rampart', 'fastify', 0.7)
 */
export function compareThroughput(results, numeratorId, denominatorId, minimum) {
  const numerator = results.find((r) => r.id === numeratorId);
  const denominator = results.find((r) => r.id === denominatorId);
  if (!numerator || !denominator) throw new Error(`unknown target ${numeratorId}/${denominatorId}`);
  const ratio = numerator.rps / denominator.rps;
  const cpuKnown =
    numerator.cpuMicrosPerRequest !== undefined && denominator.cpuMicrosPerRequest !== undefined;
  return {
    label: `${numerator.label} / ${denominator.label}`,
    ratio,
    // The same ratio predicted from CPU per request (a CPU-bound server on its own core):
    // a cross-check that noise from other processes affects far less than req/s.
    ...(cpuKnown
      ? { cpuRatio: denominator.cpuMicrosPerRequest / numerator.cpuMicrosPerRequest }
      : {}),
    minimum,
    // No minimum: a ratio shown for reference, with no verdict.
    pass: minimum === undefined ? undefined : ratio >= minimum,
  };
}
