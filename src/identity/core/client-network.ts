import { isIPv4, isIPv6 } from 'node:net';

function expandIPv6(ip: string): number[] | undefined {
  const zone = ip.indexOf('%');
  const addr = zone === -1 ? ip : ip.slice(0, zone);
  const [head = '', tail] = addr.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  let headGroups = parse(head);
  let tailGroups = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const last = (tailGroups.length > 0 ? tailGroups : headGroups).at(-1);
  if (last?.includes('.')) {
    const octets = last.split('.').map(Number);
    const v4 = [
      ((octets[0] ?? 0) << 8) | (octets[1] ?? 0),
      ((octets[2] ?? 0) << 8) | (octets[3] ?? 0),
    ].map((n) => n.toString(16));
    if (tailGroups.length > 0) tailGroups = [...tailGroups.slice(0, -1), ...v4];
    else headGroups = [...headGroups.slice(0, -1), ...v4];
  }
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined && missing !== 0) return undefined;
  const groups = [
    ...headGroups,
    ...Array.from({ length: Math.max(0, missing) }, () => '0'),
    ...tailGroups,
  ];
  if (groups.length !== 8) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

/**
 * The network an address belongs to, as a stable key: IPv6 by its /64 (one customer's
 * allocation: counting per address would let an attacker rotate through 2^64 of them),
 * IPv4 by `/ipv4Prefix` (32 = the address itself). IPv4-mapped IPv6 counts as IPv4.
 *
 * @example
 * clientNetwork('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientNetwork(ip: string, ipv4Prefix: 24 | 32 = 32): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped?.[1] ?? (isIPv4(ip) ? ip : undefined);
  if (v4) {
    if (ipv4Prefix === 32) return v4;
    return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  }
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip);
    if (groups)
      return `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(':')}::/64`;
  }
  return ip;
}
