import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  CircuitBreaker,
  CircuitOpenError,
  retry,
  TimeoutError,
  withCleanup,
  withFallback,
  withTimeout,
} from './resilience.js';

describe('retry', () => {
  it('retries a flaky operation until it succeeds, with growing jittered delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      },
      {
        attempts: 5,
        baseDelayMs: 100,
        random: () => 0.999,
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([99, 199]);
  });

  it('gives up after the attempts and rejects with the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { attempts: 3, baseDelayMs: 1 },
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('does not retry an error the caller calls permanent', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw Object.assign(new Error('bad request'), { permanent: true });
        },
        {
          attempts: 5,
          baseDelayMs: 1,
          retryable: (e) => !(e as { permanent?: boolean }).permanent,
        },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('times out each attempt against a server that never answers', async () => {
    const hung = createServer(() => {});
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as AddressInfo).port;
    const started = Date.now();
    let attempts = 0;
    try {
      await expect(
        retry(
          async (signal) => {
            attempts++;
            await fetch(`http://127.0.0.1:${port}/`, { signal });
          },
          { attempts: 2, timeoutMs: 150, baseDelayMs: 1 },
        ),
      ).rejects.toBeInstanceOf(TimeoutError);
      expect(attempts).toBe(2);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });
});

describe('backoffDelay', () => {
  it('stays below a ceiling that doubles per retry and is capped', () => {
    expect(backoffDelay(0, 100, 1000, () => 0.5)).toBe(50);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(400);
    expect(backoffDelay(10, 100, 1000, () => 0.999)).toBe(999);
    expect(backoffDelay(2, 100, 1000, () => 0)).toBe(0);
  });
});

describe('withTimeout', () => {
  it('rejects on time even when the operation ignores its signal', async () => {
    const started = Date.now();
    await expect(withTimeout(() => new Promise(() => {}), 50)).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('aborts the signal it hands to the operation', async () => {
    let seen: AbortSignal | undefined;
    await expect(
      withTimeout((signal) => {
        seen = signal;
        return new Promise(() => {});
      }, 20),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(seen?.aborted).toBe(true);
  });
});

describe('withFallback and withCleanup', () => {
  it('answers with the fallback when the operation fails', async () => {
    expect(
      await withFallback(
        async () => {
          throw new Error('down');
        },
        (e) => `fallback after ${(e as Error).message}`,
      ),
    ).toBe('fallback after down');
  });

  it('runs the cleanup after a failure and a failing cleanup never hides the error', async () => {
    const cleanupErrors: unknown[] = [];
    await expect(
      withCleanup(
        async () => {
          throw new Error('operation failed');
        },
        () => {
          throw new Error('cleanup failed');
        },
        (e) => cleanupErrors.push(e),
      ),
    ).rejects.toThrow('operation failed');
    expect(cleanupErrors).toHaveLength(1);
  });
});

describe('CircuitBreaker.run', () => {
  it('opens after consecutive failures, refuses without calling, then a probe closes it', async () => {
    let now = 0;
    const b = new CircuitBreaker({ failures: 2, openMs: 1000, now: () => now });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('down');
    };
    await expect(b.run(failing)).rejects.toThrow('down');
    await expect(b.run(failing)).rejects.toThrow('down');
    await expect(b.run(failing)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(2);
    now += 1000;
    expect(await b.run(async () => 'back')).toBe('back');
    expect(b.state).toBe('closed');
  });
});
