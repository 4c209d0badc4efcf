import type { EventActor } from '../../events/security-event.js';

/** Facts about the caller that core operations record; HTTP-free. */
export interface RequestContext {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

export function anonymousActor(ctx: RequestContext): EventActor {
  const actor: EventActor = { kind: 'anonymous' };
  if (ctx.ip) actor.ip = ctx.ip;
  if (ctx.userAgent) actor.userAgent = ctx.userAgent;
  return actor;
}

export function userActor(id: string, ctx: RequestContext): EventActor {
  return { ...anonymousActor(ctx), kind: 'user', id };
}
