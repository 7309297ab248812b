/**
 * Reading a notification: its raw body, and its envelope once verified, with the resource decrypted by an APIv3 key;
 * and the APIv3 replies. Below both `Notification` (notification.ts) and the router of several merchants (notification-router.ts).
 */
import { AesGcm } from '../crypto/aes-gcm.js';
import { CryptoError, VerificationError } from '../errors.js';
import { plainHeaders, type HeaderBag } from '../util/headers.js';
import type { NotificationReply } from './notification.js';

/** The raw callback as received: headers (any casing) and the body bytes exactly as sent. */
export interface NotificationRequest {
  headers: HeaderBag;
  body: string | Buffer | Uint8Array;
}

/** The encrypted `resource` as it arrives. */
export interface EncryptedResource {
  original_type: string;
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data?: string;
  nonce: string;
}

/** A verified notification: the envelope, with `resource` decrypted and parsed. */
export interface NotificationEnvelope<Resource = Record<string, unknown>> {
  id: string;
  create_time: string;
  event_type: string;
  resource_type: string;
  summary: string;
  resource: Resource;
  /** The `original_type`, `algorithm` and `associated_data` of the encrypted resource, without the ciphertext. */
  resource_meta: Omit<EncryptedResource, 'ciphertext'>;
}

/** Why a verified notification could not be read (a body that is not the platform's shape). */
function resourceError(raw: Buffer, request: NotificationRequest, message: string, cause?: unknown): VerificationError {
  return new VerificationError('EV3_NOTIFY_RESOURCE', message, { headers: plainHeaders(request.headers), body: raw }, { cause });
}

/**
 * The envelope of a verified notification with its resource decrypted; `refused` when the APIv3 key is not
 * the one the resource was sealed with (GCM's tag says so), so that a router can try another merchant's.
 */
export function openWith<Resource>(raw: Buffer, request: NotificationRequest, apiv3Key: string):
{ envelope: NotificationEnvelope<Resource> } | { refused: VerificationError } {
  const fail = (message: string, cause?: unknown) => resourceError(raw, request, message, cause);
  let envelope: unknown;
  try {
    envelope = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw fail('The notification body is not JSON', error);
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) throw fail('The notification body is not a JSON object');
  const resource = (envelope as Record<string, unknown>)['resource'] as Partial<EncryptedResource> | undefined;
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) throw fail('The notification has no `resource`');
  if (resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw fail(`The notification's resource.algorithm is ${JSON.stringify(resource.algorithm)}, not AEAD_AES_256_GCM`);
  }
  if (typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string' || !['string', 'undefined'].includes(typeof resource.associated_data)) {
    throw fail('The notification\'s resource lacks ciphertext or nonce (strings), or has an associated_data that is not a string');
  }
  let plaintext: string;
  try {
    plaintext = AesGcm.decrypt(resource.ciphertext, apiv3Key, resource.nonce, resource.associated_data ?? '');
  } catch (error) {
    const reason = error instanceof CryptoError ? error.message : 'decryption failed';
    const refused = fail(`The notification's resource cannot be decrypted with the APIv3 key: ${reason}`, error);
    if (error instanceof CryptoError && error.code === 'ECRYPTO_AUTH') return { refused };
    throw refused;
  }
  let decrypted: Resource;
  try {
    decrypted = JSON.parse(plaintext) as Resource;
  } catch (error) {
    throw fail('The notification\'s decrypted resource is not JSON', error);
  }
  const { ciphertext: _ciphertext, ...meta } = resource as EncryptedResource;
  return { envelope: { ...(envelope as Omit<NotificationEnvelope<Resource>, 'resource' | 'resource_meta'>), resource: decrypted, resource_meta: meta } };
}

export function rawBody(request: NotificationRequest): Buffer {
  const body: unknown = request?.body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const kind = body === undefined || body === null ? String(body) : typeof body === 'object' ? 'an already-parsed object' : typeof body;
  throw new VerificationError('EV3_NOTIFY_RAW_BODY',
    `A notification must be verified over its raw body (a string or Buffer), got ${kind}: a parsed and re-serialised ` +
    'object no longer has the signed bytes (key order, spacing and escapes change). Keep the raw body: ' +
    'express.raw({ type: "application/json" }), Koa ctx.request.rawBody, Fastify addContentTypeParser(..., { parseAs: "buffer" }), ' +
    'Next.js `await request.text()`.');
}

/** The APIv3 reply that tells the platform the notification was handled (HTTP 204, no body). */
export function v3Success(): NotificationReply {
  return { status: 204, headers: {}, body: '' };
}

/** The APIv3 reply that asks the platform to retry later: `{"code":"FAIL","message":...}` with a 4xx/5xx status (else 500). */
export function v3Failure(message: string, status: number): NotificationReply {
  return {
    status: status >= 400 && status < 600 ? status : 500,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 'FAIL', message }),
  };
}
