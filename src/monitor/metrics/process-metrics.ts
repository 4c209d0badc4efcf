import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, event-loop lag, GC, handles) describe
 * the process, not one Rampart instance, and collecting them starts observers that are
 * never stopped. So they live in one registry per process, created on first use and
 * merged into each instance's scrape: several instances in one process (tests,
 * embedding) neither duplicate nor leak them.
 */
export function sharedProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'rampart_' });
    // Gauges named *_total break the exposition format's naming rule (promtool rejects
    // them); the same counts are in rampart_nodejs_active_{handles,requests,resources}.
    for (const name of [
      'active_handles_total',
      'active_requests_total',
      'active_resources_total',
    ]) {
      processRegistry.removeSingleMetric(`rampart_nodejs_${name}`);
    }
  }
  return processRegistry;
}
