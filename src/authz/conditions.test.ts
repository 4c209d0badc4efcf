import { describe, expect, it } from 'vitest';
import { compile } from './engine.js';
import type { AuthzContext, AuthzPrincipal, AuthzResource, GrantConditions } from './model.js';

const alice: AuthzPrincipal = { kind: 'user', id: 'alice', roles: [] };
const resource = { type: 'reports', id: 'r1', attributes: { owner: 'team-a', size: 10 } };

function engineWith(conditions: GrantConditions) {
  return compile({
    grants: [
      {
        id: 'g',
        subject: { kind: 'principal', id: 'alice' },
        resourceType: 'reports',
        resourceId: '*',
        actions: ['read'],
        effect: 'allow',
        conditions,
      },
    ],
  });
}

const reasonAt = (
  conditions: GrantConditions,
  context: AuthzContext,
  res: AuthzResource = resource,
) => engineWith(conditions).decide(alice, 'read', res, context).reason;

describe('time windows', () => {
  // 2026-03-02 is a Monday.
  const office: GrantConditions = {
    timeWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
  };
  it('holds from the first minute to the last minute of the window', () => {
    expect(reasonAt(office, { now: Date.parse('2026-03-02T09:00:00Z') })).toBe(
      'allowed_by_grant:g',
    );
    expect(reasonAt(office, { now: Date.parse('2026-03-02T16:59:59.999Z') })).toBe(
      'allowed_by_grant:g',
    );
  });
  it('fails the minute before and the minute the window ends', () => {
    expect(reasonAt(office, { now: Date.parse('2026-03-02T08:59:59.999Z') })).toBe(
      'condition_failed:time_window',
    );
    expect(reasonAt(office, { now: Date.parse('2026-03-02T17:00:00Z') })).toBe(
      'condition_failed:time_window',
    );
  });
  it('fails on a day not listed', () => {
    // 2026-03-01 is a Sunday.
    expect(reasonAt(office, { now: Date.parse('2026-03-01T12:00:00Z') })).toBe(
      'condition_failed:time_window',
    );
  });
  it('reads hours and days in the window time zone', () => {
    const paris: GrantConditions = {
      timeWindow: { ...office.timeWindow, timezone: 'Europe/Paris' },
    };
    // 08:00Z is 09:00 in Paris in winter (UTC+1).
    expect(reasonAt(paris, { now: Date.parse('2026-03-02T08:00:00Z') })).toBe('allowed_by_grant:g');
    expect(reasonAt(paris, { now: Date.parse('2026-03-02T07:59:00Z') })).toBe(
      'condition_failed:time_window',
    );
    // 15:59Z is 16:59 in Paris: the last minute.
    expect(reasonAt(paris, { now: Date.parse('2026-03-02T15:59:00Z') })).toBe('allowed_by_grant:g');
    expect(reasonAt(paris, { now: Date.parse('2026-03-02T16:00:00Z') })).toBe(
      'condition_failed:time_window',
    );
    // Summer time (UTC+2): 07:00Z is 09:00.
    expect(reasonAt(paris, { now: Date.parse('2026-07-06T07:00:00Z') })).toBe('allowed_by_grant:g');
    // Sunday 23:30Z is Monday 01:30 in Tokyo: the weekday is local too.
    const tokyo: GrantConditions = { timeWindow: { days: ['mon'], timezone: 'Asia/Tokyo' } };
    expect(reasonAt(tokyo, { now: Date.parse('2026-03-01T23:30:00Z') })).toBe('allowed_by_grant:g');
  });
  it('a window past midnight wraps', () => {
    const night: GrantConditions = { timeWindow: { from: '22:00', to: '06:00' } };
    expect(reasonAt(night, { now: Date.parse('2026-03-02T22:00:00Z') })).toBe('allowed_by_grant:g');
    expect(reasonAt(night, { now: Date.parse('2026-03-03T05:59:00Z') })).toBe('allowed_by_grant:g');
    expect(reasonAt(night, { now: Date.parse('2026-03-03T06:00:00Z') })).toBe(
      'condition_failed:time_window',
    );
  });
  it('absolute start is inclusive and end exclusive', () => {
    const launch: GrantConditions = {
      timeWindow: { start: '2026-03-02T00:00:00Z', end: '2026-03-03T00:00:00Z' },
    };
    expect(reasonAt(launch, { now: Date.parse('2026-03-02T00:00:00Z') })).toBe(
      'allowed_by_grant:g',
    );
    expect(reasonAt(launch, { now: Date.parse('2026-03-02T23:59:59.999Z') })).toBe(
      'allowed_by_grant:g',
    );
    expect(reasonAt(launch, { now: Date.parse('2026-03-01T23:59:59.999Z') })).toBe(
      'condition_failed:time_window',
    );
    expect(reasonAt(launch, { now: new Date('2026-03-03T00:00:00Z') })).toBe(
      'condition_failed:time_window',
    );
  });
  it('an unknown time zone or a malformed hour is refused at compile', () => {
    expect(() => engineWith({ timeWindow: { from: '9:00', to: '17:00' } })).toThrow(/HH:MM/);
    expect(() => engineWith({ timeWindow: { days: ['mon'], timezone: 'Mars/Base' } })).toThrow(
      /time zone/,
    );
  });
});

describe('client IP', () => {
  const nets: GrantConditions = { ipCidrs: ['10.1.0.0/16', '2001:db8::/32'] };
  it('holds at both edges of an IPv4 network and fails just outside', () => {
    expect(reasonAt(nets, { ip: '10.1.0.0' })).toBe('allowed_by_grant:g');
    expect(reasonAt(nets, { ip: '10.1.255.255' })).toBe('allowed_by_grant:g');
    expect(reasonAt(nets, { ip: '10.0.255.255' })).toBe('condition_failed:ip');
    expect(reasonAt(nets, { ip: '10.2.0.0' })).toBe('condition_failed:ip');
  });
  it('matches IPv6 networks at their edges', () => {
    expect(reasonAt(nets, { ip: '2001:db8::' })).toBe('allowed_by_grant:g');
    expect(reasonAt(nets, { ip: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' })).toBe(
      'allowed_by_grant:g',
    );
    expect(reasonAt(nets, { ip: '2001:db9::' })).toBe('condition_failed:ip');
  });
  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(reasonAt(nets, { ip: '::ffff:10.1.2.3' })).toBe('allowed_by_grant:g');
    expect(reasonAt(nets, { ip: '::ffff:10.2.2.3' })).toBe('condition_failed:ip');
  });
  it('fails without an IP or with garbage', () => {
    expect(reasonAt(nets, {})).toBe('condition_failed:ip');
    expect(reasonAt(nets, { ip: 'not-an-ip' })).toBe('condition_failed:ip');
  });
  it('refuses a bad CIDR or an empty list at compile', () => {
    expect(() => engineWith({ ipCidrs: ['10.0.0.0/33'] })).toThrow(/CIDR/);
    expect(() => engineWith({ ipCidrs: [] })).toThrow(/empty/);
  });
});

describe('environment condition', () => {
  const stagingOnly: GrantConditions = { environments: ['staging'] };
  it('holds only in the listed environments', () => {
    expect(reasonAt(stagingOnly, { environment: 'staging' })).toBe('allowed_by_grant:g');
    expect(reasonAt(stagingOnly, { environment: 'production' })).toBe(
      'condition_failed:environment',
    );
    expect(reasonAt(stagingOnly, {})).toBe('condition_failed:environment');
  });
});

describe('attribute predicates', () => {
  it('equals, in and prefix over resource and context attributes', () => {
    expect(
      reasonAt(
        { attributes: [{ source: 'resource', key: 'owner', op: 'equals', value: 'team-a' }] },
        {},
      ),
    ).toBe('allowed_by_grant:g');
    expect(
      reasonAt(
        { attributes: [{ source: 'resource', key: 'owner', op: 'equals', value: 'team-b' }] },
        {},
      ),
    ).toBe('condition_failed:attribute');
    const inList: GrantConditions = {
      attributes: [{ source: 'context', key: 'tenant', op: 'in', value: ['t1', 't2'] }],
    };
    expect(reasonAt(inList, { attributes: { tenant: 't2' } })).toBe('allowed_by_grant:g');
    expect(reasonAt(inList, { attributes: { tenant: 't3' } })).toBe('condition_failed:attribute');
    expect(reasonAt(inList, {})).toBe('condition_failed:attribute');
    const prefix: GrantConditions = {
      attributes: [{ source: 'resource', key: 'owner', op: 'prefix', value: 'team-' }],
    };
    expect(reasonAt(prefix, {})).toBe('allowed_by_grant:g');
    expect(reasonAt(prefix, {}, { ...resource, attributes: { owner: 'xteam-a', size: 1 } })).toBe(
      'condition_failed:attribute',
    );
  });
  it('numeric comparisons at their boundaries, strictly typed', () => {
    const at = (op: 'lt' | 'lte' | 'gt' | 'gte', size: number | string) =>
      reasonAt(
        { attributes: [{ source: 'resource', key: 'size', op, value: 10 }] },
        {},
        { ...resource, attributes: { owner: 'x', size } },
      );
    expect(at('lt', 9.999)).toBe('allowed_by_grant:g');
    expect(at('lt', 10)).toBe('condition_failed:attribute');
    expect(at('lte', 10)).toBe('allowed_by_grant:g');
    expect(at('lte', 10.001)).toBe('condition_failed:attribute');
    expect(at('gt', 10)).toBe('condition_failed:attribute');
    expect(at('gt', 10.001)).toBe('allowed_by_grant:g');
    expect(at('gte', 10)).toBe('allowed_by_grant:g');
    expect(at('gte', '10')).toBe('condition_failed:attribute');
  });
  it('an inherited property is not an attribute', () => {
    const attributes = Object.create({ owner: 'team-a' }) as Record<string, string>;
    expect(
      reasonAt(
        { attributes: [{ source: 'resource', key: 'owner', op: 'equals', value: 'team-a' }] },
        {},
        { type: 'reports', id: 'r1', attributes },
      ),
    ).toBe('condition_failed:attribute');
  });
});

describe('conditions together', () => {
  it('reports the first failing condition in a fixed order and requires all', () => {
    const all: GrantConditions = {
      timeWindow: { from: '09:00', to: '17:00' },
      ipCidrs: ['10.0.0.0/8'],
      environments: ['production'],
    };
    const noon = Date.parse('2026-03-02T12:00:00Z');
    expect(reasonAt(all, { now: noon, ip: '10.0.0.1', environment: 'production' })).toBe(
      'allowed_by_grant:g',
    );
    expect(reasonAt(all, { now: noon, ip: '11.0.0.1', environment: 'staging' })).toBe(
      'condition_failed:ip',
    );
    expect(reasonAt(all, { now: noon, ip: '10.0.0.1', environment: 'staging' })).toBe(
      'condition_failed:environment',
    );
  });
  it('a deny whose conditions fail does not apply', () => {
    const engine = compile({
      grants: [
        {
          id: 'office-only',
          subject: { kind: 'role', name: 'VIEWER' },
          resourceType: '*',
          resourceId: '*',
          actions: ['*'],
          effect: 'deny',
          conditions: { ipCidrs: ['0.0.0.0/0', '::/0'] },
        },
      ],
    });
    const viewer: AuthzPrincipal = { kind: 'user', id: 'v', roles: ['VIEWER'] };
    expect(engine.decide(viewer, 'read', resource, { ip: '1.2.3.4' }).reason).toBe(
      'denied_by:office-only',
    );
    expect(engine.decide(viewer, 'read', resource, {}).reason).toBe('allowed_by_role:VIEWER');
  });
});
