import { describe, expect, it } from 'vitest';
import { isPrivateAddress, unmapIpv4 } from './address-guard.ts';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '169.254.169.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '::',
    'fe80::1',
    'fd00::1',
    '64:ff9b::7f00:1',
    '224.0.0.1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'lets %s through',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it('judges the hosts URL parsing makes of decimal and octal forms', () => {
    for (const url of [
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://0x7f.1/',
      'http://[::ffff:127.0.0.1]/',
    ])
      expect(isPrivateAddress(new URL(url).hostname), url).toBe(true);
  });

  it('reads the IPv4 address inside a mapped IPv6 one', () => {
    expect(unmapIpv4('::ffff:a01:203')).toBe('10.1.2.3');
    expect(unmapIpv4('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(unmapIpv4('2001:db8::1')).toBe('2001:db8::1');
  });
});
