import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type ErrorDefinition, RampartError } from '../../errors/rampart-error.js';
import type { EventActor } from '../../events/security-event.js';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { userActor } from '../../identity/core/request-context.js';

/** What the data-key and master-key services share for a rotation run in the background. */
export interface BackgroundRotations {
  readonly activeRotation: Promise<unknown> | undefined;
  latestRotation(): Promise<{ id: string; status: string; heartbeatAt: number } | undefined>;
  rotate(options: { actor: EventActor; resume: 'stale' }): Promise<unknown>;
}

/**
 * Starts a rotation for an admin request (refused while another is running and alive), and
 * waits until it is recorded — or already over — but not for the re-sealing itself.
 */
export async function startRotation(
  rotations: BackgroundRotations,
  request: FastifyRequest,
  o: {
    auth: Authenticator;
    logger: Logger;
    staleMs: number;
    running: ErrorDefinition;
    what: string;
  },
): Promise<void> {
  const running = await rotations.latestRotation();
  if (
    rotations.activeRotation !== undefined ||
    (running?.status === 'running' && Date.now() - running.heartbeatAt <= o.staleMs)
  )
    throw new RampartError(o.running);
  const principal = o.auth.principalOf(request);
  const started = rotations.rotate({
    actor: userActor(principal.id, requestContext(request)),
    resume: 'stale',
  });
  started.catch((error: unknown) => o.logger.error({ err: error }, `${o.what} rotation failed`));
  for (let i = 0; i < 100; i++) {
    const latest = await rotations.latestRotation();
    if (latest && latest.id !== running?.id) break;
    if (rotations.activeRotation === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
