import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Each server under test runs in its own process so that it never shares an event loop
 * (or a garbage collector) with the load generator. The parent and child talk over the
 * IPC channel: `start` with the scenario's input, `ready` with the bound URL, `stop`.
 */

const children = new Set();

// Never leave a server behind: a stray child keeps loading a shared machine.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function waitForMessage(child, type, timeoutMs) {
  return new Promise((resolvePromise, rejectPromise) => {
    const timer = setTimeout(() => {
      cleanup();
      rejectPromise(new Error(`no "${type}" from the server within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message) => {
      if (message?.type === type) {
        cleanup();
        resolvePromise(message);
      } else if (message?.type === 'failed') {
        cleanup();
        rejectPromise(new Error(`server failed to start:\n${message.error}`));
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      rejectPromise(new Error(`server exited early (code ${code}, signal ${signal})`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function waitForExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise(true);
    });
  });
}

/**
 * Forks `script` (a file in bench/servers/) and waits until it listens.
 *
 * @param {URL} script
 * @param {{ input?: object, stdout?: string, execPath?: string, execArgv?: string[], readyTimeoutMs?: number }} options
 *   `stdout` is a path the child's fd 1 is opened on (default /dev/null): servers that
 *   log to stdout, as Rampart does by default, write their log there. `execPath` runs the
 *   child under another program (with `execArgv` as that program's arguments, ending
 *   with `node` and its flags), as bench/tools/instructions-per-request.js does with
 *   valgrind.
 * @returns {Promise<{ url: string, info: object, pid: number, cpuUsage: () => Promise<NodeJS.CpuUsage>, collectGarbage: () => Promise<boolean>, stop: () => Promise<void> }>}
 *
 * @example
 * const server = await startServer(new URL('../servers/fastify-server.js', import.meta.url), {
 *   input: { body: { ok: true } },
 * });
 * await server.stop();
 */
export async function startServer(script, options = {}) {
  const {
    input = {},
    stdout = '/dev/null',
    execPath,
    execArgv = [],
    readyTimeoutMs = 60_000,
  } = options;
  const fd = openSync(stdout, 'a');
  let child;
  try {
    child = fork(fileURLToPath(script), [], {
      stdio: ['ignore', fd, 'inherit', 'ipc'],
      execArgv,
      ...(execPath ? { execPath } : {}),
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  children.add(child);
  child.once('exit', () => children.delete(child));

  const ready = waitForMessage(child, 'ready', readyTimeoutMs);
  child.send({ type: 'start', input });
  let message;
  try {
    message = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const url = new URL(message.url);
  if (url.hostname !== '127.0.0.1') {
    child.kill('SIGKILL');
    throw new Error(`server bound ${message.url}; benchmarks only run on 127.0.0.1`);
  }

  let stopped;
  return {
    url: message.url,
    info: message.info ?? {},
    pid: child.pid,
    /** The child's own CPU time so far (user and system, µs). */
    async cpuUsage() {
      const reply = waitForMessage(child, 'cpu-usage', 5_000);
      child.send({ type: 'cpu-usage' });
      return (await reply).usage;
    },
    /**
     * Asks the child for a full garbage collection (it must run with `--expose-gc`);
     * resolves once it is done, true if the child could collect.
     */
    async collectGarbage() {
      const reply = waitForMessage(child, 'collect-garbage', 600_000);
      child.send({ type: 'collect-garbage' });
      return (await reply).collected;
    },
    stop() {
      stopped ??= (async () => {
        if (child.connected) child.send({ type: 'stop' });
        // A clean exit matters: --cpu-prof writes its profile only on exit.
        if (!(await waitForExit(child, 15_000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 5_000);
        }
      })();
      return stopped;
    },
  };
}
