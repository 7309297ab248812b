/** A `multipart/form-data` body read into its parts (RFC 7578), byte for byte. */

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** The boundary of a `multipart/form-data` Content-Type, or undefined for any other type. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** `form-data; name="meta"; filename="a.png"` -> its parameters (quoted values unquoted; `%22` kept as sent). */
function dispositionOf(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/;\s*([A-Za-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) out[m[1]!.toLowerCase()] = m[2] ?? m[3]!.trim();
  return out;
}

/** The parts of `body`; throws an Error describing the first thing that is not multipart. */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const CRLF = Buffer.from('\r\n');
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw new Error('the body does not contain the boundary of its Content-Type');
  while (true) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // `--boundary--`: the end
    if (!body.subarray(at, at + 2).equals(CRLF)) throw new Error('a boundary is not followed by CRLF');
    at += 2;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd === -1) throw new Error('a part has no end of headers');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at, headersEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const dataStart = headersEnd + 4;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), dataStart);
    if (next === -1) throw new Error('a part is not closed by a boundary');
    const disposition = dispositionOf(headers['content-disposition'] ?? '');
    if (!/^form-data\b/i.test(headers['content-disposition'] ?? '') || disposition['name'] === undefined) {
      throw new Error('a part has no Content-Disposition: form-data; name="..."');
    }
    parts.push({
      name: disposition['name'],
      ...(disposition['filename'] !== undefined ? { filename: disposition['filename'] } : {}),
      ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}),
      data: body.subarray(dataStart, next),
    });
    at = next + 2;
  }
}
