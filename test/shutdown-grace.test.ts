import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTestRampart } from './support/test-rampart.js';

describe('closing a running server', () => {
  it('closes connections still busy after http.shutdownGrace instead of waiting for them', async () => {
    const r = await startTestRampart({
      overrides: { host: '127.0.0.1', http: { shutdownGrace: 1 } },
      // A request that never gets an answer: only the grace period can end its connection.
      register: async (app) => {
        app.get('/test/never', { schema: { hide: true } }, (_request, reply) => {
          reply.hijack();
        });
      },
    });
    const url = await r.listen();
    const closedByServer = new Promise<void>((resolve) => {
      const req = request(`${url}/test/never`, { agent: false });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end();
    });
    // Let the request reach the handler before closing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await r.close();
    await closedByServer;
    expect(Date.now() - started).toBeLessThan(5000);
  }, 20_000);
});
