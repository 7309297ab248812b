/** The sandbox's multipart/form-data reader. */
import { boundaryOf, parseMultipart } from '../../lib/sandbox/multipart.js';

const body = (boundary: string, parts: string[]) => Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`);

describe('multipart/form-data', () => {
  it('finds the boundary, quoted or not, only in multipart/form-data', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/json')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
  });

  it('reads parts byte for byte, with names, file names and types', () => {
    const binary = Buffer.from([0, 13, 10, 45, 45, 255]);
    const raw = Buffer.concat([
      Buffer.from('--B\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n{"filename":"a%22.png"}\r\n'),
      Buffer.from('--B\r\nContent-Disposition: form-data; name="file"; filename="a%22.png"\r\nContent-Type: image/png\r\n\r\n'), binary,
      Buffer.from('\r\n--B--\r\n'),
    ]);
    const parts = parseMultipart(raw, 'B');
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([['meta', undefined, 'application/json'], ['file', 'a%22.png', 'image/png']]);
    expect(parts[0]!.data.toString()).toBe('{"filename":"a%22.png"}');
    expect(parts[1]!.data.equals(binary)).toBe(true);
  });

  it('refuses what is not multipart', () => {
    expect(() => parseMultipart(Buffer.from('{}'), 'B')).toThrow(/boundary/);
    expect(() => parseMultipart(body('B', ['Content-Type: text/plain\r\n\r\nx']), 'B')).toThrow(/Content-Disposition/);
    expect(() => parseMultipart(Buffer.from('--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx'), 'B')).toThrow(/not closed/);
    expect(() => parseMultipart(Buffer.from('--Bxx'), 'B')).toThrow(/CRLF/);
  });
});
