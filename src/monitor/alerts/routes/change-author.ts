import type { FastifyRequest } from 'fastify';
import { callerActor } from '../../../authz/routes/caller-actor.js';
import { type Authenticator, requestContext } from '../../../identity/authenticate.js';
import type { ChangeAuthor } from '../alert-changes.js';

/** The caller of a change route, for the `alert.config.changed` event. */
export function changeAuthor(
  auth: Pick<Authenticator, 'callerOf'>,
  request: FastifyRequest,
): ChangeAuthor {
  return { actor: callerActor(auth, request), requestId: requestContext(request).requestId };
}
