import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret } from 'otpauth';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { generateTotpCode } from '../src/identity/core/totp-codes.js';
import { createRampart, type Rampart } from '../src/rampart.js';
import { spawnNode } from './support/spawn.js';
import { strongPassword } from './support/test-rampart.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

/** A Rampart in this process on the data directory the CLI will use (`./data` of `cwd`). */
function openOn(cwd: string): Promise<Rampart> {
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: { dataDir: join(cwd, 'data'), port: 0 },
  });
  return createRampart(config, { logger: pino({ level: 'silent' }) });
}

async function cli(cwd: string, args: string[]) {
  const p = spawnNode([bin, ...args], { cwd, input: '' });
  const { code } = await p.exit();
  return { code, output: p.output() };
}

describe('rampart user reset-mfa', () => {
  it('removes the second factor of an account that lost its device', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rampart-cli-mfa-'));
    let r = await openOn(cwd);
    let id: string;
    try {
      const account = await r.accounts.createAccount(
        { email: 'only-admin@example.com', password: strongPassword(), roles: ['ADMIN'] },
        { kind: 'system' },
      );
      id = account.id;
      const setup = await r.identity.mfa.setup(id);
      const secret = Secret.fromBase32(setup.secret).bytes;
      await r.identity.mfa.activate(id, generateTotpCode(secret, Date.now()), {});
      expect((await r.identity.mfa.status(id)).enabled).toBe(true);
    } finally {
      await r.close();
    }

    const reset = await cli(cwd, ['user', 'reset-mfa', 'Only-Admin@example.com']);
    expect(reset.code, reset.output).toBe(0);
    expect(reset.output).toContain(
      'removed the second factor and recovery codes of only-admin@example.com',
    );

    r = await openOn(cwd);
    try {
      expect(await r.identity.mfa.status(id)).toEqual({
        enabled: false,
        enabledAt: null,
        recoveryCodesRemaining: 0,
      });
    } finally {
      await r.close();
    }

    const again = await cli(cwd, ['user', 'reset-mfa', 'only-admin@example.com']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('had no second factor');

    const unknown = await cli(cwd, ['user', 'reset-mfa', 'nobody@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('no account has the email "nobody@example.com"');
    // Several CLI processes in a row, each starting Node and opening the database.
  }, 120_000);
});
