import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnNode } from './support/spawn.js';

const fixture = fileURLToPath(new URL('./fixtures/slow-server.mjs', import.meta.url));

describe('graceful shutdown', () => {
  it('finishes an in-flight request after SIGTERM, refuses new connections, and exits 0', async () => {
    const server = spawnNode([fixture]);
    const [, url] = await server.waitFor(/READY (\S+)/);
    const inFlight = fetch(`${url}/slow?ms=800`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    await new Promise((r) => setTimeout(r, 150));
    server.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ slept: 800 });
    const { code } = await server.exit();
    expect(code).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(server.output()).toContain('shutdown complete');
  });

  it('exits at once on a second signal, without waiting for in-flight requests', async () => {
    const server = spawnNode([fixture]);
    const [, url] = await server.waitFor(/READY (\S+)/);
    const inFlight = fetch(`${url}/slow?ms=8000`).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGINT');
    const { code } = await server.exit();
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await inFlight).toBe('aborted');
  });
});
