import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from './support/http-helpers.js';
import { secretSamples } from './support/secret-samples.js';
import { spawnNode } from './support/spawn.js';
import { startTestRampart, type TestRampart } from './support/test-rampart.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

describe('rampart scan --verify / --revoke against a running Rampart', () => {
  let r: TestRampart;
  let url: string;
  let admin: string;
  let developer: string;

  async function issueKey(): Promise<{ id: string; key: string }> {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(developer),
      payload: { name: 'ci', scopes: ['apikeys:read'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; key: string }>();
  }

  function lookup(token: string, key: string) {
    return r.app.inject({
      method: 'POST',
      url: '/v1/admin/api-keys/lookup',
      headers: bearer(token),
      payload: { key },
    });
  }

  async function scan(dir: string, args: string[]) {
    const p = spawnNode([bin, 'scan', '--format', 'json', ...args], {
      cwd: dir,
      env: { RAMPART_ADMIN_TOKEN: admin },
    });
    const { code } = await p.exit();
    return { code, output: p.output() };
  }

  beforeAll(async () => {
    r = await startTestRampart();
    url = await r.listen();
    const a = await createUser(r, 'admin@example.com', ['ADMIN']);
    admin = await login(r, a.email, a.password);
    const d = await createUser(r, 'dev@example.com', ['DEVELOPER']);
    developer = await login(r, d.email, d.password);
  });
  afterAll(async () => r?.close());

  it('the lookup endpoint answers by the key itself, for administrators only', async () => {
    const { id, key } = await issueKey();
    const res = await lookup(admin, key);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      active: true,
      status: 'active',
      owner: { kind: 'user' },
    });
    expect(res.body).not.toContain(key);
    expectProblem(await lookup(developer, key), 403, 'permission_denied');
    // Unknown keys and checksum-invalid lookalikes are simply not found.
    expectProblem(
      await lookup(admin, secretSamples.find((s) => s.rule === 'rampart-api-key')?.secret ?? ''),
      404,
      'api_key_not_found',
    );
    expectProblem(
      await lookup(admin, `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`),
      404,
      'api_key_not_found',
    );
  });

  it('--verify reports a found key as active, --revoke revokes it in one command', async () => {
    const { id, key } = await issueKey();
    const dir = mkdtempSync(join(tmpdir(), 'rampart-scan-verify-'));
    writeFileSync(join(dir, '.env'), `RAMPART_KEY=${key}\n`);

    const verified = await scan(dir, ['--verify', '--server', url]);
    expect(verified.code, verified.output).toBe(1);
    expect(verified.output).not.toContain(key);
    const [finding] = JSON.parse(verified.output).findings;
    expect(finding).toMatchObject({
      ruleId: 'rampart-api-key',
      verification: { status: 'active', keyId: id },
    });

    const revoked = await scan(dir, ['--revoke', '--server', url]);
    expect(revoked.code, revoked.output).toBe(1);
    expect(JSON.parse(revoked.output).findings[0].verification).toMatchObject({
      status: 'revoked',
      keyId: id,
    });
    // The key no longer authenticates, and the server now says so.
    const whoami = await r.app.inject({
      method: 'GET',
      url: '/v1/auth/whoami',
      headers: bearer(key),
    });
    expect(whoami.statusCode).toBe(401);
    expect((await lookup(admin, key)).json()).toMatchObject({ active: false, status: 'revoked' });
    const again = await scan(dir, ['--verify', '--server', url]);
    expect(JSON.parse(again.output).findings[0].verification.status).toBe('inactive');
  });

  it('a token without the administrator role gets an error, not a verdict', async () => {
    const { key } = await issueKey();
    const dir = mkdtempSync(join(tmpdir(), 'rampart-scan-verify-'));
    writeFileSync(join(dir, 'k.txt'), `${key}\n`);
    const p = spawnNode(
      [bin, 'scan', '--format', 'json', '--verify', '--server', url, '--token', developer],
      { cwd: dir },
    );
    await p.exit();
    expect(JSON.parse(p.output()).findings[0].verification).toEqual({
      status: 'error',
      httpStatus: 403,
      code: 'permission_denied',
    });
  });
});
