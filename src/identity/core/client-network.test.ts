import { describe, expect, it } from 'vitest';
import { clientNetwork } from './client-network.js';

describe('clientNetwork', () => {
  it('groups IPv6 addresses by /64', () => {
    expect(clientNetwork('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:DB8:1:2:ffff::')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('keeps IPv4 addresses whole, or by /24 when asked, also when mapped into IPv6', () => {
    expect(clientNetwork('203.0.113.77')).toBe('203.0.113.77');
    expect(clientNetwork('203.0.113.77', 24)).toBe('203.0.113.0/24');
    expect(clientNetwork('::ffff:203.0.113.77')).toBe('203.0.113.77');
    expect(clientNetwork('::ffff:203.0.113.77', 24)).toBe('203.0.113.0/24');
  });

  it('returns anything else unchanged', () => {
    expect(clientNetwork('unknown')).toBe('unknown');
  });
});
