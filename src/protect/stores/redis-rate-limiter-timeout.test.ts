import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRateLimiterStore } from './redis-rate-limiter-store.js';

/**
 * A Redis that answers the connection handshake (HELLO, CLIENT, INFO for the ready
 * check) and then
 * hangs on every script: what a stalled Redis looks like to a client.
 */
function hangingRedis(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      // Commands arrive as RESP arrays of bulk strings; answer each in order.
      for (;;) {
        const command = takeCommand();
        if (!command) break;
        const name = command[0]?.toUpperCase();
        if (name === 'HELLO')
          socket.write('*4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:2\r\n');
        else if (name === 'INFO') {
          const body = '# Server\r\nredis_version:7.0.0\r\nloading:0\r\n';
          socket.write(`$${Buffer.byteLength(body)}\r\n${body}\r\n`);
        } else if (name === 'EVALSHA' || name === 'EVAL') {
          // No answer, ever.
        } else socket.write('+OK\r\n');
      }
    });
    function takeCommand(): string[] | undefined {
      const m = /^\*(\d+)\r\n/.exec(buffered);
      if (!m) return undefined;
      let at = m[0].length;
      const parts: string[] = [];
      for (let i = 0; i < Number(m[1]); i++) {
        const len = /^\$(\d+)\r\n/.exec(buffered.slice(at));
        if (!len) return undefined;
        at += len[0].length;
        const n = Number(len[1]);
        if (buffered.length < at + n + 2) return undefined;
        parts.push(buffered.slice(at, at + n));
        at += n + 2;
      }
      buffered = buffered.slice(at);
      return parts;
    }
    socket.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0, sockets });
    }),
  );
}

describe('Redis rate limiter against a stalled Redis', () => {
  let redis: Awaited<ReturnType<typeof hangingRedis>>;
  beforeAll(async () => {
    redis = await hangingRedis();
  });
  afterAll(async () => {
    for (const s of redis.sockets) s.destroy();
    await new Promise((resolve) => redis.server.close(resolve));
  });

  it('fails a decision after the command timeout instead of holding the request', async () => {
    const store = await createRedisRateLimiterStore({
      url: `redis://127.0.0.1:${redis.port}`,
      commandTimeoutMs: 200,
    });
    try {
      // Connected (the stalled server still answers PING).
      await expect
        .poll(
          () =>
            store.ping().then(
              () => true,
              () => false,
            ),
          { timeout: 5000 },
        )
        .toBe(true);
      const started = performance.now();
      const results = await Promise.allSettled([
        store.consume('a', 10, 1000),
        store.consume('b', 10, 1000),
      ]);
      const elapsed = performance.now() - started;
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect(String((r as PromiseRejectedResult).reason)).toMatch(/timed out/);
      }
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(1500);
    } finally {
      await store.close();
    }
  });
});
