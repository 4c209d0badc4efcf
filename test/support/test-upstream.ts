import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the upstream saw of one request. */
export interface UpstreamHit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyLength: number;
  bodySha256: string;
  /** ms timestamps of the first and last body chunk. */
  firstChunkAt: number | undefined;
  lastChunkAt: number | undefined;
}

export interface TestUpstream {
  readonly url: string;
  readonly hits: UpstreamHit[];
  /** Delay every answer by this many ms (0: answer at once). */
  delayMs: number;
  /** Destroy the socket instead of answering. */
  die: boolean;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 for gateway tests: it reads the whole body, records what
 * it saw and answers with it as JSON (plus a hop-by-hop header the gateway must drop).
 */
export async function startTestUpstream(port = 0): Promise<TestUpstream> {
  const hits: UpstreamHit[] = [];
  const sockets = new Set<Socket>();
  const state = { delayMs: 0, die: false };
  const server: Server = createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    let firstChunkAt: number | undefined;
    let lastChunkAt: number | undefined;
    req.on('data', (chunk: Buffer) => {
      firstChunkAt ??= Date.now();
      lastChunkAt = Date.now();
      length += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const hit: UpstreamHit = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyLength: length,
        bodySha256: hash.digest('hex'),
        firstChunkAt,
        lastChunkAt,
      };
      hits.push(hit);
      if (state.die) {
        req.socket.destroy();
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        const body = JSON.stringify(hit);
        res.writeHead(req.url?.includes('status=201') ? 201 : 200, {
          'content-type': 'application/json',
          connection: 'keep-alive, x-upstream-hop',
          'x-upstream-hop': 'secret',
          'keep-alive': 'timeout=5',
          'x-upstream': 'yes',
        });
        res.end(body);
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    hits,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get die() {
      return state.die;
    },
    set die(value: boolean) {
      state.die = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
