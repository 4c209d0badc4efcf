import { describe, expect, it } from 'vitest';
import { cidrList, parseCidr } from './cidr.js';

describe('CIDR allow-lists', () => {
  it('parses IPv4 and IPv6 networks and bare addresses, and refuses the rest', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({
      address: '2001:db8::',
      prefix: 32,
      family: 'ipv6',
    });
    expect(parseCidr('192.0.2.1')).toEqual({ address: '192.0.2.1', prefix: 32, family: 'ipv4' });
    for (const bad of [
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0/8',
      'example.com/8',
      '10.0.0.0/-1',
      '10.0.0.0/',
      '',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('allows addresses inside the networks only; an empty list allows all', () => {
    const list = cidrList(['203.0.113.0/24', '2001:db8::/32']);
    expect(list.allows('203.0.113.1')).toBe(true);
    expect(list.allows('203.0.114.1')).toBe(false);
    expect(list.allows('::ffff:203.0.113.1')).toBe(true);
    expect(list.allows('::ffff:203.0.114.1')).toBe(false);
    expect(list.allows('2001:db8:ffff::1')).toBe(true);
    expect(list.allows('2001:db9::1')).toBe(false);
    expect(list.allows('not an ip')).toBe(false);
    expect(cidrList([]).allows('198.51.100.1')).toBe(true);
  });
});
