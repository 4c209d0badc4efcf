import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** An IP allow-list from CIDR strings, on Node's own matcher (`net.BlockList`). */
export interface CidrList {
  readonly cidrs: readonly string[];
  /** True when the list is empty (anywhere) or `ip` falls in one of its networks. */
  allows(ip: string): boolean;
}

/**
 * Parses `a.b.c.d/n` or `x:…/n` (a bare address means the address alone). Resolves with
 * the canonical text, or undefined when it is not a CIDR.
 */
export function parseCidr(
  text: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family };
}

const mappedV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export interface IpAddress {
  ip: string;
  family: 'ipv4' | 'ipv6';
}

/**
 * An address with its family, IPv4-mapped IPv6 as IPv4 (a dual-stack socket reports IPv4
 * clients as ::ffff:a.b.c.d); undefined when `ip` is not an address.
 */
export function ipAddress(ip: string): IpAddress | undefined {
  const v4 = mappedV4.exec(ip)?.[1];
  if (v4) return { ip: v4, family: 'ipv4' };
  if (isIPv4(ip)) return { ip, family: 'ipv4' };
  if (isIPv6(ip)) return { ip, family: 'ipv6' };
  return undefined;
}

/** Adds the network `cidr` to `list`; throws when it is not a CIDR. */
export function addCidr(list: BlockList, cidr: string): void {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
  list.addSubnet(parsed.address, parsed.prefix, parsed.family);
}

export function cidrList(cidrs: readonly string[]): CidrList {
  const list = new BlockList();
  for (const cidr of cidrs) addCidr(list, cidr);
  return {
    cidrs,
    allows(ip) {
      if (cidrs.length === 0) return true;
      const at = ipAddress(ip);
      return at !== undefined && list.check(at.ip, at.family);
    },
  };
}
