/**
 * Media uploads (every `multipart/form-data` endpoint): the file part must be there, its name must be
 * the meta's `filename` when the meta has one, and its digest must be the meta's (`sha256`, `file_digest`,
 * `digest` with its algorithm; APIv2 `media_hash`, MD5). The file is kept; the answer carries a new
 * `media_id` (or `file_id`, `media_url`...). `GET v3/merchant-service/images/{media_id}` returns a kept file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { extname } from 'node:path';
import type { Call, Handler } from '../call.js';
import { bytes, notFound, type ControlRoute } from '../control.js';
import { exampleValue, json, storedFile, v2Answer } from '../answers.js';
import { notExists, paramError } from '../errors.js';
import { ids } from '../ids.js';
import { storedContentHeaders } from '../stored-content.js';

/** The type a kept file is served with when its part named none. */
const TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', bmp: 'image/bmp', gif: 'image/gif', webp: 'image/webp',
  mp4: 'video/mp4', avi: 'video/x-msvideo', wmv: 'video/x-ms-wmv', mpeg: 'video/mpeg', mov: 'video/quicktime',
  mkv: 'video/x-matroska', flv: 'video/x-flv', pdf: 'application/pdf',
};
const mediaContentType = (filename: string): string => TYPES[extname(filename).slice(1).toLowerCase()] ?? 'application/octet-stream';

/** The digest the meta (or the APIv2 fields) claims, and how to compute it. */
function claimedDigest(call: Call): { field: string; algorithm: string; value: string } | undefined {
  if (call.endpoint.area === 'v2') {
    const value = (call.body as Record<string, unknown>)['media_hash'];
    return typeof value === 'string' ? { field: 'media_hash', algorithm: 'md5', value } : undefined;
  }
  const meta = call.meta ?? {};
  if (typeof meta['sha256'] === 'string') return { field: 'sha256', algorithm: 'sha256', value: meta['sha256'] };
  if (typeof meta['file_digest'] === 'string') return { field: 'file_digest', algorithm: 'sha256', value: meta['file_digest'] };
  if (typeof meta['digest'] === 'string') {
    const named = String(meta['digest_alogrithm'] ?? meta['digest_algorithm'] ?? 'SHA256');
    return { field: 'digest', algorithm: /SM3/i.test(named) ? 'sm3' : 'sha256', value: meta['digest'] };
  }
  return undefined;
}

/** A new id for a kept file, shaped like the documented one (`xxx.png` ids keep an extension). */
function newId(example: unknown, filename: string): string {
  const id = ids.media();
  return typeof example === 'string' && /\.[a-z]{3,4}$/i.test(example) ? `${randomBytes(16).toString('hex').toUpperCase()}${extname(filename) || '.png'}` : id;
}

const upload: Handler = (call) => {
  const location = call.endpoint.area === 'v2' ? 'body' : 'form';
  const fileName = call.endpoint.form?.find((p) => p.file)?.name ?? 'file';
  const part = call.parts?.find((p) => p.name === fileName);
  if (!part) throw paramError(location, fileName, 'is required (the file part)');
  const filename = part.filename ?? 'file';
  const metaName = call.meta?.['filename'] ?? call.meta?.['file_name'];
  if (typeof metaName === 'string' && metaName !== filename) {
    throw paramError('form', '/meta/filename', `is ${JSON.stringify(metaName)} but the file part is named ${JSON.stringify(filename)}`, metaName);
  }
  const digest = claimedDigest(call);
  if (digest) {
    const actual = createHash(digest.algorithm).update(part.data).digest('hex');
    if (actual.toLowerCase() !== digest.value.toLowerCase()) {
      const field = call.endpoint.area === 'v2' ? digest.field : `/meta/${digest.field}`;
      throw paramError(location, field, `does not match the file (${digest.algorithm} ${actual})`, digest.value);
    }
  }
  const example = exampleValue(call);
  const answer: Record<string, unknown> = typeof example === 'object' && example !== null && !Array.isArray(example) ? { ...example } : {};
  let mediaId: string | undefined;
  for (const key of Object.keys(answer)) {
    if (/(^|_)(media_id|file_id)$/.test(key)) answer[key] = mediaId ??= newId(answer[key], filename);
  }
  mediaId ??= newId(undefined, filename);
  for (const key of Object.keys(answer)) {
    if (/(^|_)media_url$/.test(key)) answer[key] = `${call.runtime.baseURL()}__sandbox/media/${encodeURIComponent(mediaId)}`;
  }
  call.runtime.state.media.set(mediaId, { bytes: Buffer.from(part.data), filename, contentType: part.contentType ?? mediaContentType(filename) });
  return call.endpoint.area === 'v2' ? v2Answer(call, answer) : json(answer, call.endpoint.response.status);
};

const downloadImage: Handler = (call) => {
  const media = call.runtime.state.media.get(call.vars['media_id']!);
  if (!media) throw notExists(`No media ${call.vars['media_id']} was uploaded to this sandbox`);
  return storedFile(media.bytes, media.contentType, media.filename);
};

/** Uploads are found by their shape (a file part); downloads by template. */
export const mediaUpload = upload;
export const mediaBehaviours: Record<string, Handler> = {
  'get v3/merchant-service/images/{media_id}': downloadImage,
  'get v3/global/merchant-service/images/{media_id}': downloadImage,
};

export const mediaRoutes: readonly ControlRoute[] = [
  {
    method: 'GET', path: 'media/{media_id}', summary: 'an uploaded file (the `media_url` of image uploads)',
    handle: ({ sandbox, params }) => {
      const media = sandbox.media(params['media_id']!);
      if (!media) throw notFound(`No media ${params['media_id']}`);
      return bytes(storedContentHeaders(media.contentType, media.filename), media.bytes);
    },
  },
];
