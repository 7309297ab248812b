/** Helpers of the integration specs: a multipart body built by hand, and small utilities. */
import { createHash, randomBytes } from 'node:crypto';
import type { ExampleRequest } from '../../lib/sandbox/data.js';

/** A 1x1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** What the client takes as `multipart` (MediaUtil's shape): the signed meta, and the body it belongs to. */
export interface HandMadeMultipart {
  getMeta(): string;
  getContentType(): string;
  getBody(): Buffer;
  getContentLength(): number;
}

/**
 * A multipart body for an upload whose parts MediaUtil does not write (a file part not named `file`, plain
 * form fields, a meta without `filename`/`sha256`): the meta filled in with the file's name and digest.
 */
export function handMadeMultipart(spec: NonNullable<ExampleRequest['multipart']>, file = PNG, filename = 'sandbox.png', options: { keepMeta?: boolean } = {}): HandMadeMultipart {
  const meta: Record<string, unknown> = { ...spec.meta };
  if (!options.keepMeta) for (const key of ['filename', 'file_name']) if (key in meta) meta[key] = filename;
  if (spec.digest) {
    const digest = createHash(spec.digest.algorithm).update(file).digest('hex');
    meta[spec.digest.field] = spec.digest.upper ? digest.toUpperCase() : digest;
  }
  const metaJson = JSON.stringify(meta);
  const boundary = `----SandboxSpec${randomBytes(8).toString('hex')}`;
  const part = (headers: string[], body: Buffer | string) => Buffer.concat([
    Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n'),
  ]);
  const body = Buffer.concat([
    part(['Content-Disposition: form-data; name="meta"', 'Content-Type: application/json'], metaJson),
    ...Object.entries(spec.fields ?? {}).map(([name, value]) => part([`Content-Disposition: form-data; name="${name}"`], String(value))),
    part([`Content-Disposition: form-data; name="${spec.file}"; filename="${filename}"`, 'Content-Type: image/png'], file),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return {
    getMeta: () => metaJson,
    getContentType: () => `multipart/form-data; boundary=${boundary}`,
    getBody: () => body,
    getContentLength: () => body.length,
  };
}

/** Runs `work` over `items`, `size` at a time. */
export async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => work(item, i + j)))));
  }
  return out;
}

/** The message of anything thrown, with its code first. */
export function reason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `${e.code ?? 'Error'}: ${(e.message ?? String(error)).slice(0, 240)}`;
}
