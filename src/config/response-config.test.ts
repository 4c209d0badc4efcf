import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from './load-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'rampart-response-config-'));

describe('detectors and responses configuration', () => {
  it('turns every detector but off-hours on by default, acting with bans and notices', () => {
    const { config } = loadConfig({ env: {}, cwd: cwd() });
    expect(config.detectors.bruteForceIp).toEqual({
      enabled: true,
      threshold: 50,
      window: 60,
      severity: 'high',
    });
    expect(config.detectors.offHoursAdmin.enabled).toBe(false);
    expect(config.responses.actions.bruteForceIp).toEqual(['ban_ip', 'notify']);
    expect(config.responses.dryRun).toBe(false);
    expect(config.responses.neverBan).toEqual(['127.0.0.0/8', '::1/128']);
  });

  it('reads actions and business days from the environment', () => {
    const { config } = loadConfig({
      env: {
        RAMPART_RESPONSES_ACTIONS_REPLAY: 'read_only,notify',
        RAMPART_DETECTORS_OFF_HOURS_ADMIN_WEEKDAYS: 'sat,sun',
      },
      cwd: cwd(),
    });
    expect(config.responses.actions.replay).toEqual(['read_only', 'notify']);
    expect(config.detectors.offHoursAdmin.weekdays).toEqual(['sat', 'sun']);
  });

  it('refuses an unknown action and a zero threshold', () => {
    const verdict = checkConfig({
      env: {
        RAMPART_RESPONSES_ACTIONS_REPLAY: 'shutdown',
        RAMPART_DETECTORS_REPLAY_THRESHOLD: '0',
      },
      cwd: cwd(),
    });
    expect(verdict.ok).toBe(false);
    const keys = verdict.problems.map((p) => p.key);
    expect(keys).toContain('detectors.replay.threshold');
    expect(keys.some((k) => k.startsWith('responses.actions.replay'))).toBe(true);
  });

  it('refuses a neverBan entry that is not a CIDR, at start rather than at the first ban', () => {
    const verdict = checkConfig({
      env: { RAMPART_RESPONSES_NEVER_BAN: '10.0.0.0/8,not-a-network' },
      cwd: cwd(),
    });
    expect(verdict.problems.map((p) => p.key)).toEqual(['responses.neverBan']);
  });
});
