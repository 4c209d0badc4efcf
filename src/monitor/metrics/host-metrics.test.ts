import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerHostMetrics } from './host-metrics.js';

function fakeProc(): string {
  const root = mkdtempSync(join(tmpdir(), 'rampart-proc-'));
  writeFileSync(
    join(root, 'meminfo'),
    'MemTotal:        8000000 kB\nMemFree:         1000000 kB\nMemAvailable:    3000000 kB\nCached:          2000000 kB\n',
  );
  writeFileSync(
    join(root, 'diskstats'),
    '   7       0 loop0 10 0 80 1 0 0 0 0 0 0 0\n 259       0 nvme0n1 100 5 2000 50 300 7 4000 90 0 120 140\n',
  );
  mkdirSync(join(root, 'net'));
  writeFileSync(
    join(root, 'net', 'dev'),
    [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0',
      '  eth0: 5000000    4000    0    0    0     0          0         0   700000    3000    0    0    0     0       0          0',
      '',
    ].join('\n'),
  );
  return root;
}

describe('host metrics', () => {
  it('report memory detail and network traffic from /proc, and CPU time by mode', async () => {
    const registry = new Registry();
    registerHostMetrics(registry, fakeProc());
    const text = await registry.metrics();
    expect(text).toContain(`rampart_system_memory_available_bytes ${3_000_000 * 1024}`);
    expect(text).toContain(`rampart_system_memory_cached_bytes ${2_000_000 * 1024}`);
    expect(text).toContain(`rampart_system_memory_used_bytes ${5_000_000 * 1024}`);
    expect(text).toContain('rampart_system_network_receive_bytes_total{interface="eth0"} 5000000');
    expect(text).toContain('rampart_system_network_transmit_bytes_total{interface="eth0"} 700000');
    expect(text).toContain('rampart_system_disk_read_bytes_total{device="nvme0n1"} 1024000');
    expect(text).toContain('rampart_system_disk_written_bytes_total{device="nvme0n1"} 2048000');
    expect(text).not.toContain('loop0');
    expect(text).toMatch(/rampart_system_cpu_seconds_total\{mode="idle"\} \d/);
  });

  it('has no /proc samples where /proc is missing', async () => {
    const registry = new Registry();
    registerHostMetrics(registry, join(tmpdir(), 'no-such-proc-root'));
    const text = await registry.metrics();
    expect(text).not.toMatch(/^rampart_system_memory_available_bytes \d/m);
    expect(text).not.toContain('rampart_system_network_receive_bytes_total{');
  });
});
