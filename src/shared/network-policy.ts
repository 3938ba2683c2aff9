// Which IP addresses PosFleet may connect to on an operator's say-so (webhook receivers): none of the
// special-use ranges — loopback, link-local (cloud metadata at 169.254.169.254), private networks,
// carrier-grade NAT, multicast, unspecified, documentation and reserved — unless the operator allows a
// network explicitly (WEBHOOK_ALLOWED_NETWORKS), e.g. for receivers on their own LAN. Without this, anyone
// who may configure a webhook could make the server call its own admin ports or the metadata service.
// The ranges are matched by Node's net.BlockList, which also matches IPv4-mapped IPv6 (::ffff:127.0.0.1).
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** Special-use ranges (IANA's IPv4 and IPv6 special-purpose registries), each with what it is, most specific first. */
/** What kind of special-use range an address is in (the catalogue's words for it in each language). */
export type SpecialRange = 'unspecified' | 'loopback' | 'link_local_metadata' | 'link_local' | 'private' | 'shared' | 'multicast' | 'special';

const SPECIAL_USE: readonly [string, number, Family, string, SpecialRange][] = [
  ['0.0.0.0', 8, 'ipv4', 'the unspecified address', 'unspecified'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (cloud metadata lives there)', 'link_local_metadata'],
  ['10.0.0.0', 8, 'ipv4', 'a private-network address', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'a private-network address', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'a private-network address', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address', 'shared'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address', 'multicast'],
  ['192.0.0.0', 24, 'ipv4', 'a special-use address', 'special'],
  ['192.0.2.0', 24, 'ipv4', 'a special-use address', 'special'],
  ['192.88.99.0', 24, 'ipv4', 'a special-use address', 'special'],
  ['198.18.0.0', 15, 'ipv4', 'a special-use address', 'special'],
  ['198.51.100.0', 24, 'ipv4', 'a special-use address', 'special'],
  ['203.0.113.0', 24, 'ipv4', 'a special-use address', 'special'],
  ['240.0.0.0', 4, 'ipv4', 'a special-use address', 'special'],
  ['::', 128, 'ipv6', 'the unspecified address', 'unspecified'],
  ['::1', 128, 'ipv6', 'a loopback address', 'loopback'],
  ['fe80::', 10, 'ipv6', 'a link-local address', 'link_local'],
  ['fc00::', 7, 'ipv6', 'a private-network address', 'private'],
  ['ff00::', 8, 'ipv6', 'a multicast address', 'multicast'],
  ['::', 96, 'ipv6', 'a special-use address', 'special'], // IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48, 'ipv6', 'a special-use address', 'special'], // local-use NAT64
  ['100::', 64, 'ipv6', 'a special-use address', 'special'],
  ['2001::', 23, 'ipv6', 'a special-use address', 'special'],
  ['2001:db8::', 32, 'ipv6', 'a special-use address', 'special'],
  ['fec0::', 10, 'ipv6', 'a special-use address', 'special'],
];

const RANGES = SPECIAL_USE.map(([network, prefix, family, what, range]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, what, range };
});

/** IPv6 prefixes that carry an IPv4 address a gateway connects to: NAT64 (64:ff9b::/96, last 32 bits) and 6to4 (2002::/16, bits 16–48). */
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');
const SIX_TO_FOUR = new BlockList();
SIX_TO_FOUR.addSubnet('2002::', 16, 'ipv6');

export class NetworkPolicy {
  private readonly allowed = new BlockList();

  /** `allowed`: networks an operator opened, as CIDR ("10.0.0.0/8", "fd00::/8") or single addresses ("127.0.0.1"). */
  constructor(readonly allowedNetworks: readonly string[] = []) {
    for (const entry of allowedNetworks) {
      const parsed = parseNetwork(entry);
      if (!parsed) throw new Error(`"${entry}" is not an IP network such as 10.0.0.0/8 or 127.0.0.1/32`);
      this.allowed.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  /** Why PosFleet must not connect to this IP address, or null when it may. */
  refusal(address: string): string | null {
    const family = familyOf(address);
    if (!family) return `"${address}" is not an IP address`;
    if (this.allowed.check(address, family)) return null;
    const what = specialUse(address, family)?.what;
    return what ? `${what}, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it` : null;
  }

  /**
   * Why a URL's host may not be used, judged from the URL alone: IP literals in every spelling the URL
   * parser accepts (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1] all become canonical addresses)
   * and the names that always mean loopback (localhost, *.localhost). Other names are judged on the
   * addresses they resolve to, when a connection is made.
   */
  urlRefusal(url: URL): string | null {
    const refused = this.urlRefusalOf(url);
    return refused && `${refused.host} is ${refused.what}, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it`;
  }

  /** The same judgement as {@link urlRefusal}, as data: the host and the kind of range it is in (for the message catalogue). */
  urlRefusalOf(url: URL): { host: string; range: SpecialRange; what: string } | null {
    const host = bareHost(url.hostname);
    const family = familyOf(host);
    if (family) {
      const use = this.allowed.check(host, family) ? null : specialUse(host, family);
      return use && { host, range: use.range, what: use.what };
    }
    const name = host.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) {
      if (this.allowed.check('127.0.0.1', 'ipv4') && this.allowed.check('::1', 'ipv6')) return null;
      return { host, range: 'loopback', what: 'a loopback address' };
    }
    return null;
  }
}

/** A URL's hostname without the brackets of an IPv6 literal. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function familyOf(address: string): Family | null {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

function specialUse(address: string, family: Family): { what: string; range: SpecialRange } | null {
  const embedded = family === 'ipv6' ? embeddedIpv4(address) : null;
  if (embedded) return specialUse(embedded, 'ipv4');
  return RANGES.find((r) => r.list.check(address, family)) ?? null;
}

/** The IPv4 address a NAT64 or 6to4 address leads to (IPv4-mapped ones BlockList matches by itself). */
function embeddedIpv4(address: string): string | null {
  const nat64 = NAT64.check(address, 'ipv6');
  if (!nat64 && !SIX_TO_FOUR.check(address, 'ipv6')) return null;
  const groups = ipv6Groups(address);
  const [high, low] = nat64 ? [groups[6]!, groups[7]!] : [groups[1]!, groups[2]!];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (which isIP has accepted). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = part(head);
  const back = part(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function parseNetwork(entry: string): { address: string; prefix: number; family: Family } | null {
  const [address = '', prefixText, extra] = entry.trim().split('/');
  const family = familyOf(address);
  if (!family || extra !== undefined) return null;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address, prefix, family };
}
