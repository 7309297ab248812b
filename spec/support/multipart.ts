/**
 * What the WeChat Pay platform checks of a media upload, written with node:crypto and Buffer only (none of
 * the SDK's helpers): a multipart/form-data parser, and the verdict on one captured upload request.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import type { CapturedRequest } from './platform.js';

export interface FormPart {
  name: string | undefined;
  filename: string | undefined;
  /** Part headers, lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Parses a multipart/form-data body (RFC 7578) by hand; throws on anything malformed. */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] {
  const match = /^multipart\/form-data;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!match) throw new Error(`not multipart/form-data: ${contentType}`);
  const boundary = match[1] ?? match[2]!;
  const opening = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, opening.length).equals(opening)) throw new Error('the body does not start with the boundary');

  const parts: FormPart[] = [];
  let at = opening.length;
  while (true) {
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') {
      if (body.subarray(at + 2).toString('latin1') !== '\r\n') throw new Error('bytes after the closing boundary');
      return parts;
    }
    if (after !== '\r\n') throw new Error(`expected CRLF after a boundary at ${at}`);
    const headerEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headerEnd < 0) throw new Error('a part without a header end');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at + 2, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`a malformed part header: ${line}`);
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const end = body.indexOf(separator, headerEnd + 4);
    if (end < 0) throw new Error('a part without a closing boundary');
    const disposition = headers['content-disposition'] ?? '';
    if (!/^form-data\b/i.test(disposition)) throw new Error(`a part that is not form-data: ${disposition}`);
    parts.push({
      name: /;\s*name="([^"]*)"/.exec(disposition)?.[1],
      filename: /;\s*filename="([^"]*)"/.exec(disposition)?.[1],
      headers,
      body: body.subarray(headerEnd + 4, end),
    });
    at = end + separator.length;
  }
}

export type UploadVerdict =
  | { ok: true; meta: string; metaFields: Record<string, unknown>; file: FormPart }
  | { ok: false; reason: string };

/**
 * The platform's verdict on a media upload: a `meta` part (application/json) then a `file` part; the
 * meta's `sha256` is the file part's SHA-256 and its `filename` the file part's file name; the
 * Authorization signature verifies over the meta JSON as the body line; Content-Length, when sent, is exact.
 */
export function uploadVerdict(request: CapturedRequest, merchantPublicKey: KeyObject): UploadVerdict {
  let parts: FormPart[];
  try {
    parts = parseMultipart(request.body, request.headers['content-type']);
  } catch (error) {
    return { ok: false, reason: `multipart: ${(error as Error).message}` };
  }
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) !== request.body.length) {
    return { ok: false, reason: `Content-Length ${declared} but ${request.body.length} bytes` };
  }
  const [metaPart, file] = parts;
  if (parts.length !== 2 || metaPart?.name !== 'meta' || file?.name !== 'file') {
    return { ok: false, reason: `parts ${parts.map((part) => part.name).join(',')}` };
  }
  if (metaPart.headers['content-type'] !== 'application/json') return { ok: false, reason: 'meta is not application/json' };
  const meta = metaPart.body.toString('utf8');
  let metaFields: Record<string, unknown>;
  try {
    metaFields = JSON.parse(meta) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'meta is not JSON' };
  }
  const sha256 = createHash('sha256').update(file.body).digest('hex');
  if (metaFields['sha256'] !== sha256) return { ok: false, reason: `meta.sha256 ${String(metaFields['sha256'])} != ${sha256}` };
  if (metaFields['filename'] !== file.filename) return { ok: false, reason: `meta.filename ${String(metaFields['filename'])} != ${file.filename}` };
  const auth = request.authorization;
  const message = `${request.method}\n${request.target}\n${auth['timestamp']}\n${auth['nonce_str']}\n${meta}\n`;
  if (!verify('sha256', Buffer.from(message), merchantPublicKey, Buffer.from(auth['signature'] ?? '', 'base64'))) {
    return { ok: false, reason: 'the signature does not verify over the meta' };
  }
  return { ok: true, meta, metaFields, file };
}
