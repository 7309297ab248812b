/**
 * The hashes verified answers announce for their download URLs, kept by the URL's one-time token so that a
 * later `sink` download of that URL by the same client is checked against them.
 */
import { AnnouncedHashes } from '../../lib/core/sink.js';

const url = (token: string) => `https://api.mch.weixin.qq.com/v3/billdownload/file?token=${token}`;
const SHA1 = 'A'.repeat(40);

describe('AnnouncedHashes', () => {
  it('remembers the answer itself and the entries of its top-level lists, by token', () => {
    const hashes = new AnnouncedHashes();
    hashes.remember({ download_url: url('top'), hash_type: 'SHA1', hash_value: SHA1 });
    hashes.remember({ download_bill_count: 2, download_bill_list: [
      { bill_sequence: 1, download_url: url('one'), hash_type: 'SHA1', hash_value: '1'.repeat(40) },
      { bill_sequence: 2, download_url: url('two'), hash_type: 'SHA256', hash_value: '2'.repeat(64) },
    ] });
    expect(hashes.lookup(url('top'))).toEqual({ hashType: 'SHA1', algorithm: 'sha1', expected: 'a'.repeat(40) });
    expect(hashes.lookup('https://other.host/path?token=one')?.expected).toBe('1'.repeat(40));
    expect(hashes.lookup(url('two'))?.hashType).toBe('SHA256');
    expect(hashes.lookup(url('three'))).toBeUndefined();
    expect(hashes.lookup(undefined)).toBeUndefined();
  });

  it('skips what it cannot check: encrypted files, no hash, no token, an unknown hash type, nested lists', () => {
    const hashes = new AnnouncedHashes();
    hashes.remember({ download_bill_list: [{ download_url: url('enc'), hash_value: SHA1, encrypt_key: 'k' }] });
    hashes.remember({ download_url: url('nohash') });
    hashes.remember({ download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file', hash_value: SHA1 });
    hashes.remember({ download_url: url('md5'), hash_type: 'MD5', hash_value: SHA1 });
    hashes.remember({ outer: { list: [{ download_url: url('deep'), hash_value: SHA1 }] } });
    hashes.remember([{ download_url: url('array'), hash_value: SHA1 }]);
    hashes.remember(null);
    hashes.remember('text');
    for (const token of ['enc', 'nohash', 'md5', 'deep', 'array']) expect(hashes.lookup(url(token))).toBeUndefined();
  });

  it('keeps the 256 most recent', () => {
    const hashes = new AnnouncedHashes();
    for (let index = 0; index < 300; index++) hashes.remember({ download_url: url(`t${index}`), hash_value: SHA1 });
    expect(hashes.lookup(url('t43'))).toBeUndefined();
    expect(hashes.lookup(url('t44'))).toBeDefined();
    expect(hashes.lookup(url('t299'))).toBeDefined();
  });
});
