import { BlockList, isIP } from 'node:net';

/**
 * Which addresses `http_request` and HTTP MCP servers refuse unless allowed (the agent's
 * `toolSettings.allowPrivateAddresses`, the server's registration): everything that
 * reaches the server itself or its network rather than the public internet (RFC 6890 special-use
 * ranges). IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are judged by the IPv4 address inside.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** `::ffff:7f00:1` and `::ffff:127.0.0.1` → `127.0.0.1`; anything else unchanged. */
export function unmapIpv4(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/.exec(lower.startsWith('::') ? lower : '');
  if (!mapped?.[1]) return address;
  const tail = mapped[1];
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
  if (!hex) return address;
  const high = Number.parseInt(hex[1] ?? '0', 16);
  const low = Number.parseInt(hex[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for a loopback, link-local, private or otherwise non-public address. */
export function isPrivateAddress(address: string): boolean {
  const plain = unmapIpv4(address.replace(/^\[|\]$/g, ''));
  const family = isIP(plain);
  if (family === 4) return blocked.check(plain, 'ipv4');
  if (family === 6) return blocked.check(plain, 'ipv6');
  // Not an address at all: refuse rather than guess.
  return true;
}
