import { startServer } from './server-process.js';

const floorServer = new URL('../servers/fastify-floor-server.js', import.meta.url);

/**
 * Starts bare Fastify with the parts every Rampart response carries and no configuration
 * removes (Rampart's security headers and request id, and unless `log: false` its request
 * line through Rampart's logger; fastify-floor-server.js), serving `body` at `path`. Rampart's ratio to
 * it is what authentication, authorization, rate limits and metrics cost on top. Other
 * options go to startServer (bench/tools/instructions-per-request.js runs it under valgrind).
 *
 * @example
 * const floor = await startFloor(settings, body, '/api/orders');
 */
export function startFloor(settings, body, path, { log = true, ...serverOptions } = {}) {
  return startServer(floorServer, {
    stdout: settings.logFile,
    ...serverOptions,
    input: { body, path, log },
  });
}

/** The label of that target in the tables. */
export const floorLabel = "Fastify + Rampart's headers and request line";
