import { PassThrough, Readable } from 'node:stream';
import { bytesOf, parseBody, readBody } from '../../lib/util/body.js';

describe('readBody', () => {
  it('reads a string, bytes and a stream whole', async () => {
    expect((await readBody('é')).equals(Buffer.from('é'))).toBe(true);
    expect((await readBody(new Uint8Array([1, 2]))).equals(Buffer.from([1, 2]))).toBe(true);
    expect((await readBody(Readable.from([Buffer.from('a'), 'b', new Uint8Array([0x63])]))).toString()).toBe('abc');
  });

  it('stops at the limit: bytes in memory are refused, a stream is destroyed where the limit was passed', async () => {
    await expect(readBody(Buffer.alloc(11), { limit: 10 })).rejects.toThrow(RangeError);
    const stream = new PassThrough();
    stream.write(Buffer.alloc(8));
    stream.write(Buffer.alloc(8));
    const reading = readBody(stream, { limit: 10, tooLarge: (size) => new Error(`too large at ${size}`) });
    await expect(reading).rejects.toThrow('too large at 16');
    expect(stream.destroyed).toBe(true);
    expect((await readBody(Buffer.alloc(10), { limit: 10 })).length).toBe(10);
    expect((await readBody(Buffer.alloc(10), { limit: -1 })).length).toBe(10);
  });

  it('a signal destroys a stream being read', async () => {
    const stream = new PassThrough();
    const controller = new AbortController();
    const reading = readBody(stream, { signal: controller.signal });
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(stream.destroyed).toBe(true);
  });

  it('refuses what is not a body, and streams of anything but text or bytes', async () => {
    await expect(readBody(42)).rejects.toThrow(TypeError);
    await expect(readBody(Readable.from([{ a: 1 }]))).rejects.toThrow(TypeError);
  });
});

describe('bytesOf and parseBody', () => {
  it('views bytes without copying, and parses JSON, text and files by Content-Type', () => {
    const array = new Uint8Array([1, 2, 3]).subarray(1);
    expect([...bytesOf(array)!]).toEqual([2, 3]);
    expect(bytesOf(new ArrayBuffer(2))!.length).toBe(2);
    expect(bytesOf({})).toBeUndefined();
    expect(parseBody(Buffer.from('{"a":1}'), { 'content-type': 'application/json' })).toEqual({ a: 1 });
    expect(parseBody(Buffer.from('x'), { 'content-type': 'application/pdf' })).toEqual(Buffer.from('x'));
    expect(parseBody(Buffer.alloc(0), {})).toBeUndefined();
  });
});
