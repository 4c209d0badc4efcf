import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { JobTracker } from '../monitor/core/job-tracker.js';
import type { DatabaseHandle } from '../storage/database.js';
import type { HotStore } from '../storage/hot-state.js';

/** Stops one thing createRampart started. */
export type Cleanup = () => Promise<void>;

/**
 * What every step of `createRampart` builds on: opened before the capabilities and
 * closed after them (see shutdown.ts).
 */
export interface ComposeContext {
  readonly config: RampartConfig;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly hot: HotStore;
  readonly events: EventBus;
  /** Background work of this instance, counted for the jobs metrics. */
  readonly jobs: JobTracker;
  /**
   * Each step pushes the closer of what it started as soon as it started it, so a start
   * that fails halfway closes exactly what was opened. They run in reverse: what started
   * first stops last.
   */
  readonly cleanups: Cleanup[];
}
