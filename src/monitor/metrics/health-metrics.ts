import { Gauge, type Registry } from 'prom-client';
import type { HealthMonitor } from '../core/health-monitor.js';

const statuses = ['pass', 'warn', 'fail'] as const;
const overall = ['healthy', 'degraded', 'unhealthy'] as const;

/**
 * The scheduled health checks, read at scrape time: each check's status as a state set
 * (1 on the current status, 0 on the others, so `rampart_health_check_status{status="fail"} == 1`
 * alerts directly), its last run's duration, and the overall status.
 *
 * @example
 * registerHealthMetrics(registry, healthService.monitor);
 */
export function registerHealthMetrics(registry: Registry, monitor: HealthMonitor): void {
  new Gauge({
    name: 'rampart_health_check_status',
    help: 'Status of each scheduled health check: 1 on the current status (pass, warn, fail).',
    labelNames: ['check', 'type', 'status'] as const,
    registers: [registry],
    collect() {
      for (const { check, state } of monitor.states()) {
        for (const status of statuses) {
          this.set(
            { check: check.name, type: check.type, status },
            state.status === status ? 1 : 0,
          );
        }
      }
    },
  });
  new Gauge({
    name: 'rampart_health_check_duration_seconds',
    help: 'Duration of the last run of each scheduled health check.',
    labelNames: ['check', 'type'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { check, state } of monitor.states()) {
        if (state.last)
          this.set({ check: check.name, type: check.type }, state.last.durationMs / 1000);
      }
    },
  });
  new Gauge({
    name: 'rampart_health_check_consecutive_failures',
    help: 'Runs in a row that warned or failed, per scheduled health check.',
    labelNames: ['check', 'type'] as const,
    registers: [registry],
    collect() {
      for (const { check, state } of monitor.states()) {
        this.set({ check: check.name, type: check.type }, state.consecutiveFailures);
      }
    },
  });
  new Gauge({
    name: 'rampart_health_status',
    help: 'Overall health of this node: 1 on the current status (healthy, degraded, unhealthy).',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      const current = monitor.status();
      for (const status of overall) this.set({ status }, current === status ? 1 : 0);
    },
  });
}
