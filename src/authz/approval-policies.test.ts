import { describe, expect, it } from 'vitest';
import {
  ApprovalPolicies,
  type ApprovalPolicy,
  compileApprovalPolicies,
  policyApplies,
} from './approval-policies.js';

const defaults = { routes: [], required: 1, approverRole: 'ADMIN' };

function policy(when: ApprovalPolicy['when']): ApprovalPolicy {
  return { name: 'p', routes: ['POST /x'], required: 1, approverRole: 'ADMIN', when };
}

describe('approval policy conditions', () => {
  it('applies an environment condition only in the environments it names', () => {
    const prod = policy({ environments: ['production'] });
    expect(policyApplies(prod, { body: {}, environment: 'production' })).toBe(true);
    expect(policyApplies(prod, { body: {}, environment: 'staging' })).toBe(false);
    expect(policyApplies(prod, { body: {}, environment: 'development' })).toBe(false);
  });

  it('counts items at a nested path: N-1 does not apply, N does', () => {
    const bulk = policy({ minItems: { path: 'change.items', count: 3 } });
    const at = (items: unknown) => ({ body: { change: { items } }, environment: 'production' });
    expect(policyApplies(bulk, at([1, 2]))).toBe(false);
    expect(policyApplies(bulk, at([1, 2, 3]))).toBe(true);
    expect(policyApplies(bulk, { body: {}, environment: 'production' })).toBe(false);
    expect(policyApplies(bulk, { body: null, environment: 'production' })).toBe(false);
  });

  it('counts a single value where a list was expected as one item, never as none', () => {
    const one = policy({ minItems: { path: 'items', count: 1 } });
    expect(policyApplies(one, { body: { items: 'all' }, environment: 'staging' })).toBe(true);
    expect(policyApplies(one, { body: { items: { a: 1 } }, environment: 'staging' })).toBe(true);
  });

  it('applies a body flag only when it is exactly true', () => {
    const breaking = policy({ bodyFlag: 'meta.breaking' });
    const flag = (value: unknown) => ({ body: { meta: { breaking: value } }, environment: 'x' });
    expect(policyApplies(breaking, flag(true))).toBe(true);
    expect(policyApplies(breaking, flag('true'))).toBe(false);
    expect(policyApplies(breaking, flag(false))).toBe(false);
    expect(policyApplies(breaking, { body: [], environment: 'x' })).toBe(false);
  });

  it('does not read inherited properties of the body', () => {
    const proto = policy({ bodyFlag: 'constructor' });
    expect(policyApplies(proto, { body: {}, environment: 'x' })).toBe(false);
  });

  it('needs every condition of one policy to hold', () => {
    const both = policy({ environments: ['production'], bodyFlag: 'breaking' });
    expect(policyApplies(both, { body: { breaking: true }, environment: 'production' })).toBe(true);
    expect(policyApplies(both, { body: { breaking: true }, environment: 'staging' })).toBe(false);
    expect(policyApplies(both, { body: {}, environment: 'production' })).toBe(false);
  });
});

describe('choosing the policy of a request', () => {
  it('takes the first applying policy in order, the plain route list last', () => {
    const compiled = compileApprovalPolicies(
      [
        {
          name: 'bulk',
          routes: ['POST /x'],
          required: 3,
          approverRole: 'RELEASE',
          when: { minItems: { path: 'items', count: 10 } },
        },
        { name: 'breaking', routes: ['POST /x'], when: { bodyFlag: 'breaking' } },
      ],
      { ...defaults, routes: ['POST /x', 'DELETE /y'], required: 2 },
    );
    const policies = new ApprovalPolicies(compiled, 'production');
    const many = Array.from({ length: 10 }, (_, i) => i);
    expect(policies.applying('POST /x', { items: many, breaking: true })).toMatchObject({
      name: 'bulk',
      required: 3,
      approverRole: 'RELEASE',
    });
    expect(policies.applying('POST /x', { breaking: true })).toMatchObject({
      name: 'breaking',
      required: 2,
      approverRole: 'ADMIN',
    });
    expect(policies.applying('POST /x', {})).toMatchObject({ name: null });
    expect(policies.applying('DELETE /y', undefined)).toMatchObject({ name: null });
    expect(policies.applying('GET /z', {})).toBeUndefined();
    expect(policies.operations().sort()).toEqual(['DELETE /y', 'POST /x']);
  });

  it('lets a request no policy applies to run unapproved', () => {
    const policies = new ApprovalPolicies(
      compileApprovalPolicies(
        [{ name: 'prod', routes: ['POST /x'], when: { environments: ['production'] } }],
        defaults,
      ),
      'staging',
    );
    expect(policies.applying('POST /x', {})).toBeUndefined();
  });
});
