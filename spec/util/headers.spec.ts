/**
 * Header bags as they come: node's lower-cased object, a framework's own casing, AxiosHeaders, a Map, and a
 * fetch Headers, including Bun's and Deno's, which also have a toJSON (read through get, never as a plain object).
 */
import { AxiosHeaders } from 'axios';
import { headerOf, plainHeaders } from '../../lib/util/headers.js';

/** A fetch Headers with a toJSON, as Bun's is. */
class HeadersWithJson extends Headers {
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

describe('headerOf and plainHeaders', () => {
  const bags: Array<[string, object]> = [
    ['node', { 'wechatpay-serial': 'S1', 'request-id': 'R1' }],
    ['own casing', { 'Wechatpay-Serial': 'S1', 'Request-ID': 'R1' }],
    ['AxiosHeaders', new AxiosHeaders({ 'Wechatpay-Serial': 'S1', 'Request-ID': 'R1' })],
    ['Map', new Map([['Wechatpay-Serial', 'S1'], ['Request-ID', 'R1']])],
    ['fetch Headers', new Headers({ 'Wechatpay-Serial': 'S1', 'Request-ID': 'R1' })],
    ["fetch Headers with toJSON (Bun's)", new HeadersWithJson({ 'Wechatpay-Serial': 'S1', 'Request-ID': 'R1' })],
  ];

  it.each(bags)('reads a %s bag whatever the casing of the name', (_kind, bag) => {
    expect([headerOf(bag, 'Wechatpay-Serial'), headerOf(bag, 'wechatpay-serial'), headerOf(bag, 'REQUEST-ID'), headerOf(bag, 'absent')])
      .toEqual(['S1', 'S1', 'R1', undefined]);
    expect(plainHeaders(bag)).toEqual({ 'wechatpay-serial': 'S1', 'request-id': 'R1' });
  });

  it('gives the first of repeated values, and nothing for absent bags', () => {
    expect(headerOf({ 'x-a': ['1', '2'] }, 'X-A')).toBe('1');
    expect(plainHeaders({ 'x-a': ['1', '2'] })).toEqual({ 'x-a': '1, 2' });
    expect([headerOf(undefined, 'x'), headerOf(null, 'x'), plainHeaders(undefined)]).toEqual([undefined, undefined, {}]);
  });
});
