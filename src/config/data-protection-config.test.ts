import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from './load-config.js';

const production = {
  RAMPART_ENV: 'production',
  RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
  RAMPART_PUBLIC_URL: 'https://auth.example.com',
  RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
  RAMPART_METRICS_ENABLED: 'false',
};

function withFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-dp-config-'));
  writeFileSync(join(dir, 'rampart.config.json'), JSON.stringify(content));
  return dir;
}

describe('dataProtection configuration', () => {
  it('defaults to no extra rules, three consent purposes and five minutes for re-authentication', () => {
    const { config } = loadConfig({ env: {}, noFile: true });
    expect(config.dataProtection).toEqual({
      classification: [],
      consentPurposes: ['marketing', 'analytics', 'product_updates'],
      reauthMaxAge: 300,
    });
  });

  it('accepts classification rules and refuses malformed paths or handlings', () => {
    const good = withFile({
      dataProtection: {
        classification: [{ path: 'details.**.iban', sensitivity: 'RESTRICTED', handling: 'hash' }],
      },
    });
    expect(checkConfig({ env: {}, cwd: good }).problems).toEqual([]);
    const bad = withFile({
      dataProtection: {
        classification: [{ path: 'a..b', sensitivity: 'LOUD', handling: 'shout' }],
      },
    });
    const keys = checkConfig({ env: {}, cwd: bad }).problems.map((p) => p.key);
    expect(keys.some((k) => k.startsWith('dataProtection.classification'))).toBe(true);
  });

  it('refuses in production a rule that would let a built-in secret through', () => {
    const cwd = withFile({
      dataProtection: {
        classification: [{ path: '**.password', sensitivity: 'PUBLIC', handling: 'none' }],
      },
    });
    const verdict = checkConfig({ env: production, cwd });
    expect(verdict.problems.map((p) => p.key)).toEqual(['dataProtection.classification']);
    const dev = checkConfig({ env: {}, cwd });
    expect(dev.problems).toEqual([]);
    expect(dev.warnings.join('\n')).toContain('**.password');
  });

  // A partial mask still prints part of a password or token into the append-only trail.
  it.each(['mask_partial', 'mask_domain'])(
    'refuses in production a rule that would show a built-in secret through %s',
    (handling) => {
      const cwd = withFile({
        dataProtection: {
          classification: [{ path: 'details.password', sensitivity: 'INTERNAL', handling }],
        },
      });
      expect(checkConfig({ env: production, cwd }).problems.map((p) => p.key)).toEqual([
        'dataProtection.classification',
      ]);
    },
  );

  it('accepts in production a rule that hashes a field the built-in rules redact', () => {
    const cwd = withFile({
      dataProtection: {
        classification: [{ path: '**.password', sensitivity: 'SECRET', handling: 'hash' }],
      },
    });
    expect(checkConfig({ env: production, cwd }).problems).toEqual([]);
  });
});
