import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * CPU time by mode (every platform, from node:os), and on Linux memory detail and network
 * traffic from /proc, read at scrape time. Without /proc the memory gauges are not
 * registered (an unlabelled gauge would read 0) and the network counters have no series.
 *
 * @example
 * registerHostMetrics(registry);
 */
export function registerHostMetrics(registry: Registry, procRoot = '/proc'): void {
  new Counter({
    name: 'rampart_system_cpu_seconds_total',
    help: 'CPU time of the machine summed over its cores, by mode.',
    labelNames: ['mode'] as const,
    registers: [registry],
    collect() {
      const totals = { user: 0, nice: 0, system: 0, idle: 0, irq: 0 };
      for (const cpu of cpus()) {
        totals.user += cpu.times.user;
        totals.nice += cpu.times.nice;
        totals.system += cpu.times.sys;
        totals.idle += cpu.times.idle;
        totals.irq += cpu.times.irq;
      }
      this.reset();
      for (const [mode, ms] of Object.entries(totals)) this.inc({ mode }, ms / 1000);
    },
  });

  const memory = (
    name: string,
    help: string,
    pick: (m: Map<string, number>) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        const value = pick(await readMeminfo(procRoot));
        if (value !== undefined) this.set(value);
      },
    });
  if (existsSync(`${procRoot}/meminfo`)) {
    memory(
      'rampart_system_memory_available_bytes',
      'Memory available for new work without swapping (Linux MemAvailable).',
      (m) => m.get('MemAvailable'),
    );
    memory(
      'rampart_system_memory_cached_bytes',
      'Memory used by the page cache (Linux Cached).',
      (m) => m.get('Cached'),
    );
    memory(
      'rampart_system_memory_used_bytes',
      'Memory in use: total minus available (Linux).',
      (m) => {
        const total = m.get('MemTotal');
        const available = m.get('MemAvailable');
        return total === undefined || available === undefined ? undefined : total - available;
      },
    );
  }

  const network = (name: string, help: string, pick: 'rx' | 'tx') =>
    new Counter({
      name,
      help,
      labelNames: ['interface'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [iface, bytes] of await readNetDev(procRoot))
          this.inc({ interface: iface }, bytes[pick]);
      },
    });
  const diskIo = (name: string, help: string, pick: 'read' | 'written') =>
    new Counter({
      name,
      help,
      labelNames: ['device'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [device, bytes] of await readDiskStats(procRoot)) {
          this.inc({ device }, bytes[pick]);
        }
      },
    });
  diskIo('rampart_system_disk_read_bytes_total', 'Bytes read per block device (Linux).', 'read');
  diskIo(
    'rampart_system_disk_written_bytes_total',
    'Bytes written per block device (Linux).',
    'written',
  );
  network(
    'rampart_system_network_receive_bytes_total',
    'Bytes received per network interface (Linux).',
    'rx',
  );
  network(
    'rampart_system_network_transmit_bytes_total',
    'Bytes sent per network interface (Linux).',
    'tx',
  );
}

/** /proc/diskstats: bytes read and written by block device (no loop or RAM disks). */
export async function readDiskStats(
  procRoot: string,
): Promise<Map<string, { read: number; written: number }>> {
  const devices = new Map<string, { read: number; written: number }>();
  const text = await readFile(`${procRoot}/diskstats`, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    // major minor name reads merged sectorsRead msReading writes merged sectorsWritten …
    const fields = line.trim().split(/\s+/);
    const name = fields[2];
    const sectorsRead = Number(fields[5]);
    const sectorsWritten = Number(fields[9]);
    if (name === undefined || /^(loop|ram)\d/.test(name)) continue;
    if (Number.isNaN(sectorsRead) || Number.isNaN(sectorsWritten) || fields.length < 10) continue;
    // The kernel counts in 512-byte sectors whatever the device's own sector size.
    devices.set(name, { read: sectorsRead * 512, written: sectorsWritten * 512 });
  }
  return devices;
}

/** /proc/meminfo in bytes by field name; empty when unreadable. */
export async function readMeminfo(procRoot: string): Promise<Map<string, number>> {
  const fields = new Map<string, number>();
  const text = await readFile(`${procRoot}/meminfo`, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    if (match?.[1] && match[2])
      fields.set(match[1], Number(match[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return fields;
}

/** /proc/net/dev: received and sent bytes by interface; empty when unreadable. */
export async function readNetDev(
  procRoot: string,
): Promise<Map<string, { rx: number; tx: number }>> {
  const interfaces = new Map<string, { rx: number; tx: number }>();
  const text = await readFile(`${procRoot}/net/dev`, 'utf8').catch(() => '');
  // Two header lines, then "  eth0: rxBytes rxPackets … (8 receive fields) txBytes …".
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    const rx = fields[0];
    const tx = fields[8];
    if (rx === undefined || tx === undefined || Number.isNaN(rx) || Number.isNaN(tx)) continue;
    interfaces.set(line.slice(0, colon).trim(), { rx, tx });
  }
  return interfaces;
}
