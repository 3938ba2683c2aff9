import { describe, expect, it } from 'vitest';
import { NetworkPolicy } from './network-policy.ts';

const closed = new NetworkPolicy();
const refusedUrl = (policy: NetworkPolicy, url: string) => policy.urlRefusal(new URL(url));

describe('the network policy of outgoing connections', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.3.4', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['169.254.169.254', 'a link-local address (cloud metadata lives there)'],
    ['::ffff:169.254.169.254', 'a link-local address (cloud metadata lives there)'],
    ['fe80::1', 'a link-local address'],
    ['10.0.0.1', 'a private-network address'],
    ['172.16.5.4', 'a private-network address'],
    ['192.168.1.1', 'a private-network address'],
    ['fd12:3456::1', 'a private-network address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['0.0.0.0', 'the unspecified address'],
    ['::', 'the unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'a special-use address'],
    ['192.0.2.10', 'a special-use address'],
    ['64:ff9b::10.0.0.1', 'a private-network address'], // NAT64 to a private address
    ['2002:7f00:1::', 'a loopback address'], // 6to4 around 127.0.0.1
    ['::7f00:1', 'a special-use address'], // IPv4-compatible
  ])('refuses %s: %s', (address, what) => {
    expect(closed.refusal(address)).toBe(`${what}, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it`);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '100.128.0.1', '172.32.0.1'])('lets %s through', (address) => {
    expect(closed.refusal(address)).toBeNull();
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:8080/api', 'http://[::1]:9000/', 'http://10.0.0.1/',
    'http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://127.1/', 'http://0/', 'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:0:0:1]/', 'http://localhost:8080/', 'http://LOCALHOST./', 'http://admin.localhost/', 'https://100.100.100.200/',
  ])('refuses the URL %s by its host alone', (url) => {
    expect(refusedUrl(closed, url)).toMatch(/, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it$/);
  });

  it('leaves names to be judged on the addresses they resolve to', () => {
    expect(refusedUrl(closed, 'https://hooks.example.com/posfleet')).toBeNull();
    expect(refusedUrl(closed, 'https://93.184.216.34/hook')).toBeNull();
  });

  it('opens exactly the networks an operator allows', () => {
    const lan = new NetworkPolicy(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(lan.refusal('10.20.30.40')).toBeNull();
    expect(lan.refusal('::ffff:10.1.2.3')).toBeNull();
    expect(lan.refusal('127.0.0.1')).toBeNull();
    expect(lan.refusal('127.0.0.2')).toMatch(/^a loopback address/);
    expect(lan.refusal('::1')).toMatch(/^a loopback address/);
    expect(lan.refusal('fd00::5')).toBeNull();
    expect(lan.refusal('192.168.1.1')).toMatch(/^a private-network address/);
    expect(refusedUrl(lan, 'http://localhost/')).not.toBeNull(); // localhost may be ::1 too
    expect(refusedUrl(new NetworkPolicy(['127.0.0.1/32', '::1/128']), 'http://localhost/')).toBeNull();
  });

  it.each(['10.0.0.0/33', 'ten.0.0.0/8', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x', ''])('refuses the setting %j', (entry) => {
    expect(() => new NetworkPolicy([entry])).toThrow(/is not an IP network such as 10.0.0.0\/8/);
  });
});
