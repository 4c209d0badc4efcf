/**
 * The child side of server-process.js. `start(input)` builds and starts the server and
 * resolves with `{ url, info?, close }`; this module answers the parent's `start`,
 * `cpu-usage`, `collect-garbage` and `stop` messages and exits when the parent goes away.
 *
 * @example
 * serveFromParent(async (input) => {
 *   const app = Fastify();
 *   app.get('/', async () => input.body);
 *   return { url: await app.listen({ host: '127.0.0.1', port: 0 }), close: () => app.close() };
 * });
 */
export function serveFromParent(start) {
  if (!process.send) throw new Error('run this file through bench/run.js, not directly');
  let running;

  async function handleStart(input) {
    try {
      running = await start(input);
      process.send({ type: 'ready', url: running.url, info: running.info ?? {} });
    } catch (error) {
      // Exit only once the parent has the reason; an exit right after send can drop it.
      process.send(
        { type: 'failed', error: error instanceof Error ? error.stack : String(error) },
        () => process.exit(1),
      );
    }
  }

  async function handleStop() {
    try {
      await running?.close();
    } finally {
      // process.exit rather than waiting for the loop to drain: some servers keep
      // unref'd timers or pools, and a profile is written on exit either way.
      process.exit(0);
    }
  }

  process.on('message', (message) => {
    if (message?.type === 'start') handleStart(message.input).catch(() => process.exit(1));
    else if (message?.type === 'stop') handleStop().catch(() => process.exit(1));
    else if (message?.type === 'cpu-usage')
      process.send({ type: 'cpu-usage', usage: process.cpuUsage() });
    else if (message?.type === 'collect-garbage') {
      const gc = globalThis.gc;
      if (typeof gc === 'function') gc();
      process.send({ type: 'collect-garbage', collected: typeof gc === 'function' });
    }
  });
  // The parent died or was interrupted: nobody will ever send `stop`.
  process.on('disconnect', () => process.exit(0));
}
