import type { FastifyRequest } from 'fastify';
import type { EventActor } from '../../events/security-event.js';
import type { Authenticator } from '../../identity/authenticate.js';
import { requestContext } from '../../identity/authenticate.js';
import { userActor } from '../../identity/core/request-context.js';

/** The authenticated caller as an event actor: the person, or the API key by its id. */
export function callerActor(
  auth: Pick<Authenticator, 'callerOf'>,
  request: FastifyRequest,
): EventActor & { id: string } {
  const caller = auth.callerOf(request);
  const ctx = requestContext(request);
  if (caller.kind === 'api_key') return { kind: 'api_key', id: caller.keyId, ip: ctx.ip };
  return { ...userActor(caller.id, ctx), id: caller.id };
}
