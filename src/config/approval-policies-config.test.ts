import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from './load-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'rampart-approval-config-'));
const check = (policies: unknown[]) =>
  checkConfig({
    env: {},
    noFile: true,
    cwd: cwd(),
    overrides: { authz: { approvals: { policies } } } as never,
  });

describe('authz.approvals.policies configuration', () => {
  it('accepts policies with conditions alongside the plain route list', () => {
    const verdict = check([
      {
        name: 'bulk',
        routes: ['POST /v1/authz/grants'],
        required: 2,
        when: { minItems: { path: 'changes.items', count: 10 }, environments: ['production'] },
      },
      { name: 'breaking', routes: ['POST /v1/authz/grants'], when: { bodyFlag: 'breaking' } },
    ]);
    expect(verdict.problems).toEqual([]);
  });

  it('refuses a name used twice', () => {
    const verdict = check([
      { name: 'same', routes: ['POST /a'] },
      { name: 'same', routes: ['POST /b'] },
    ]);
    expect(verdict.problems.map((p) => p.key)).toContain('authz.approvals.policies.1.name');
  });

  it('refuses an unknown condition, an unknown environment and a malformed body path', () => {
    for (const when of [
      { itemsOver: 3 },
      { environments: ['prod'] },
      { bodyFlag: 'a..b' },
      { minItems: { path: 'items', count: 0 } },
    ])
      expect(check([{ name: 'p', routes: ['POST /a'], when }]).ok).toBe(false);
  });

  it('warns that a custom approver role approves nothing until it is assigned', () => {
    const verdict = check([{ name: 'p', routes: ['POST /a'], approverRole: 'RELEASE' }]);
    expect(verdict.warnings.some((w) => w.includes('RELEASE'))).toBe(true);
  });
});
