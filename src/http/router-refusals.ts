import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type Listener = (request: FastifyRequest, reply: FastifyReply) => void;

const listenersKey = Symbol('rampart.routerRefusalListeners');

/**
 * Fastify's router answers a URL it cannot decode (`%ff`) or a path segment over its length
 * limit before any hook runs, so `onResponse` hooks never see those requests. server.ts
 * answers them itself and calls these listeners once each response has gone out, so the
 * request log and the HTTP metrics count them like every other refusal.
 */
export function installRouterRefusals(
  app: FastifyInstance,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const listeners: Listener[] = [];
  app.decorate(listenersKey as unknown as string, listeners);
  return (request, reply) => {
    for (const listener of listeners) listener(request, reply);
  };
}

/** Calls `listener` after each response the router sent before any hook ran (no-op on an app without them). */
export function onRouterRefusal(app: FastifyInstance, listener: Listener): void {
  const listeners = (app as unknown as Record<symbol, Listener[] | undefined>)[listenersKey];
  listeners?.push(listener);
}
