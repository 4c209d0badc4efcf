import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { dashboardBuildDir } from '../../src/dashboard/serve-dashboard.js';

/** Debian's chromium (apt install chromium); .ci/run installs it. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * Browser tests run when Chromium is installed; without it they skip, except in CI
 * (CI=true), where a missing browser must fail the run rather than hide it.
 */
export const skipBrowserTests = !existsSync(chromiumPath) && process.env.CI !== 'true';

/** Where the test run leaves its screenshots (ignored by git). */
export const screenshotDir = fileURLToPath(
  new URL('../../test-results/dashboard/', import.meta.url),
);

/** Builds the SPA if no build is there yet (`npm run build` normally did it). */
export function ensureDashboardBuilt(): void {
  if (existsSync(`${dashboardBuildDir}index.html`)) return;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const out = spawnSync('npx', ['vite', 'build', '--config', 'src/dashboard/vite.config.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (out.status !== 0) throw new Error(`dashboard build failed: ${out.stderr || out.stdout}`);
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
}
