import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { RequestLogger } from './request-logger.js';

function capture(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination: sink });
  return {
    logger,
    // Without the time, the only field two loggers cannot share.
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/,"time":"[^"]+"/, '')),
  };
}

const route = { action: 'read', resource: '/v1/items/:id' };
const line = { method: 'GET', route: '/v1/items/:id', url: '/v1/items/7', status: 200, ms: 1.5 };

describe('RequestLogger', () => {
  it('writes the request line exactly as a pino child with the same bindings would', () => {
    const lazy = capture();
    const log = new RequestLogger(lazy.logger, { reqId: 'r-1' }, route);
    log.setBindings({ userId: 'u-1', apiKeyId: 'k-1' });
    log.writeLine('info', line, 'request');

    const eager = capture();
    const child = eager.logger.child({ reqId: 'r-1', ...route });
    child.setBindings({ userId: 'u-1', apiKeyId: 'k-1' });
    child.info(line, 'request');

    expect(lazy.lines()).toEqual(eager.lines());
    expect(JSON.parse(lazy.lines()[0] as string)).toMatchObject({
      reqId: 'r-1',
      action: 'read',
      resource: '/v1/items/:id',
      userId: 'u-1',
      apiKeyId: 'k-1',
      status: 200,
      msg: 'request',
    });
  });

  it('makes its child on the first handler line, and keeps the bindings on every later line', () => {
    const { logger, lines } = capture();
    let children = 0;
    const counting = Object.create(logger) as Logger;
    counting.child = (...args) => {
      children++;
      return logger.child(...args);
    };
    const log = new RequestLogger(counting, { reqId: 'r-2' }, route);
    log.debug('below the level: nothing made, nothing written');
    log.writeLine('info', line, 'request');
    expect(children).toBe(0);
    log.info({ step: 'inside' }, 'handler line');
    log.setBindings({ userId: 'u-2' });
    log.writeLine('warn', { ...line, status: 404 }, 'request');
    expect(children).toBe(1);
    const [first, second, third] = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ reqId: 'r-2', resource: '/v1/items/:id', msg: 'request' });
    expect(second).toMatchObject({ reqId: 'r-2', action: 'read', step: 'inside' });
    expect(third).toMatchObject({ reqId: 'r-2', userId: 'u-2', status: 404, level: 'warn' });
  });

  it('redacts the request line like any other line', () => {
    const { logger, lines } = capture();
    const log = new RequestLogger(logger, { reqId: 'r-3' }, undefined);
    log.writeLine('error', { ...line, authorization: 'Bearer abc' }, 'request');
    expect(lines()[0]).not.toContain('Bearer abc');
    expect(JSON.parse(lines()[0] as string)).toMatchObject({ reqId: 'r-3', level: 'error' });
  });

  it('knows its route only when a route made it', () => {
    const { logger } = capture();
    expect(new RequestLogger(logger, { reqId: 'a' }, route).route).toBe('/v1/items/:id');
    expect(new RequestLogger(logger, { reqId: 'b' }, undefined).routeKnown).toBe(false);
  });

  it('honours a route log level given by Fastify', () => {
    const { logger, lines } = capture();
    const log = new RequestLogger(logger, { reqId: 'r-4' }, route, { level: 'error' });
    log.info('not at this level');
    log.writeLine('info', line, 'request');
    log.error('written');
    expect(lines()).toHaveLength(1);
    expect(log.level).toBe('error');
  });
});
