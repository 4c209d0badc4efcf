import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type DeepPartial, loadConfig, type RawConfig } from './config/index.js';
import { createRampart } from './rampart.js';
import type { HotStore } from './storage/hot-state.js';
import { createMemoryHotStore } from './storage/memory/memory-hot-store.js';

/**
 * A real memory hot store whose pub/sub counts the subscriptions still open: every
 * capability that follows the cluster (data keys, authz, IP rules, live events…)
 * subscribes at start and must unsubscribe when it stops.
 */
function countingHotStore(): {
  hot: HotStore;
  open(): number;
  peak(): number;
  closed(): number;
} {
  const hot = createMemoryHotStore();
  let open = 0;
  let peak = 0;
  let closed = 0;
  return {
    hot: {
      ...hot,
      async close() {
        closed += 1;
        await hot.close();
      },
      pubsub: {
        publish: (channel, message) => hot.pubsub.publish(channel, message),
        async subscribe(channel, handler) {
          const unsubscribe = await hot.pubsub.subscribe(channel, handler);
          open += 1;
          peak = Math.max(peak, open);
          let done = false;
          return async () => {
            if (!done) open -= 1;
            done = true;
            await unsubscribe();
          };
        },
      },
    },
    open: () => open,
    peak: () => peak,
    closed: () => closed,
  };
}

function configWith(overrides: DeepPartial<RawConfig> = {}) {
  return loadConfig({
    env: {},
    noFile: true,
    overrides: {
      port: 0,
      masterKey: randomBytes(32).toString('base64'),
      databaseUrl: 'sqlite::memory:',
      ...overrides,
    } as DeepPartial<RawConfig>,
  }).config;
}

const logger = pino({ level: 'silent' });

describe('createRampart', () => {
  it('stops everything it started when the start fails after the server was assembled', async () => {
    const counting = countingHotStore();
    let openWhenRegistering = 0;
    let serverClosed = false;
    await expect(
      createRampart(configWith(), {
        logger,
        hotStore: counting.hot,
        register: async (app) => {
          openWhenRegistering = counting.open();
          app.addHook('onClose', (_instance, done) => {
            serverClosed = true;
            done();
          });
          throw new Error('the embedding application refused to start');
        },
      }),
    ).rejects.toThrow('the embedding application refused to start');
    expect(openWhenRegistering).toBeGreaterThan(0);
    expect(counting.open()).toBe(0);
    // The server itself is closed too: its plugins' onClose hooks ran.
    expect(serverClosed).toBe(true);
    // The hot store the caller passed stays the caller's to close, and still works.
    expect(counting.closed()).toBe(0);
    await counting.hot.values.set('still-open', '1', 1000);
    expect(await counting.hot.values.get('still-open')).toBe('1');
  });

  it('stops the capabilities already started when a later one fails to start', async () => {
    const counting = countingHotStore();
    await expect(
      createRampart(
        configWith({
          alerts: { rules: [{ name: 'r', signal: {}, threshold: 1, channels: ['nowhere'] }] },
        } as never),
        { logger, hotStore: counting.hot },
      ),
    ).rejects.toThrow(/unknown channel nowhere/);
    expect(counting.peak()).toBeGreaterThan(0);
    expect(counting.open()).toBe(0);
  });

  it('stops everything it started on close(), once however often it is called', async () => {
    const counting = countingHotStore();
    const rampart = await createRampart(configWith(), { logger, hotStore: counting.hot });
    expect(counting.open()).toBeGreaterThan(0);
    await Promise.all([rampart.close(), rampart.close()]);
    await rampart.close();
    expect(counting.open()).toBe(0);
    // A started Rampart owns the hot store it was given: close() closes it, once.
    expect(counting.closed()).toBe(1);
    await expect(rampart.app.inject({ method: 'GET', url: '/health' })).rejects.toThrow();
  });
});
