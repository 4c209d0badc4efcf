import { statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';

/**
 * The machine around the process, read at scrape time: load average, memory, and the
 * disk holding the data directory (where SQLite and the development key live).
 *
 * @example
 * registerSystemMetrics(registry, config.dataDir);
 */
export function registerSystemMetrics(registry: Registry, dataDir: string): void {
  new Gauge({
    name: 'rampart_system_load_average',
    help: 'System load average over 1, 5 and 15 minutes (0 on Windows).',
    labelNames: ['period'] as const,
    registers: [registry],
    collect() {
      const [one = 0, five = 0, fifteen = 0] = loadavg();
      this.set({ period: '1m' }, one);
      this.set({ period: '5m' }, five);
      this.set({ period: '15m' }, fifteen);
    },
  });
  new Gauge({
    name: 'rampart_system_memory_total_bytes',
    help: 'Total physical memory of the machine.',
    registers: [registry],
    collect() {
      this.set(totalmem());
    },
  });
  new Gauge({
    name: 'rampart_system_memory_free_bytes',
    help: 'Physical memory not in use (as the operating system reports it).',
    registers: [registry],
    collect() {
      this.set(freemem());
    },
  });
  const disk = (name: string, help: string, pick: (s: DiskSpace) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        // A data directory not created yet (in-memory database): the working directory's disk.
        const space = (await readDiskSpace(dataDir)) ?? (await readDiskSpace('.'));
        if (space !== undefined) this.set(pick(space));
      },
    });
  disk(
    'rampart_disk_total_bytes',
    'Size of the file system holding the data directory.',
    (s) => s.total,
  );
  disk(
    'rampart_disk_free_bytes',
    'Free space on the file system holding the data directory.',
    (s) => s.free,
  );
  disk(
    'rampart_disk_available_bytes',
    'Space available to Rampart on the file system holding the data directory.',
    (s) => s.available,
  );
}

interface DiskSpace {
  total: number;
  free: number;
  available: number;
}

async function readDiskSpace(path: string): Promise<DiskSpace | undefined> {
  try {
    const s = await statfs(path);
    return { total: s.blocks * s.bsize, free: s.bfree * s.bsize, available: s.bavail * s.bsize };
  } catch {
    return undefined;
  }
}
