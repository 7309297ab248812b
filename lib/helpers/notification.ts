import type { IncomingMessage } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { AesGcm } from '../crypto/aes-gcm.js';
import { ConfigError, CryptoError, VerificationError } from '../errors.js';
import { PlatformKeys, type CertsInput } from '../core/platform-keys.js';
import { plainHeaders, type HeaderBag } from '../util/headers.js';
import { checkMaxClockOffset, verifySigned } from '../v3/verifier.js';
import type { KnownEventType, NotificationResources } from './notification-types.js';
import {
  failureV2, parseV2Notification, successV2,
  type NotificationV2Options, type NotificationV2Reply, type NotificationV2Request, type V2Notification,
} from './notification-v2.js';
import { createRouter, type NotificationRouter, type RoutableClient } from './notification-router.js';

/** The raw callback as received: headers (any casing) and the body bytes exactly as sent. */
export interface NotificationRequest {
  headers: HeaderBag;
  body: string | Buffer | Uint8Array;
}

export interface NotificationOptions {
  /** The platform certificates/public keys (as `Builder.factory`'s `certs`), or a loaded keyring. */
  certs: CertsInput | PlatformKeys;
  /** The APIv3 key: exactly 32 bytes. */
  apiv3Key: string;
  /** Seconds between the notification's timestamp and this machine's clock (default 300). */
  maxClockOffset?: number;
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

/** What a handler answers: write `status`, `headers` and `body` back to the platform. */
export interface NotificationReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A parser bound to one merchant's keys and APIv3 key, checked once at setup. */
export interface NotificationParser {
  parse<Resource = Record<string, unknown>>(request: NotificationRequest): NotificationEnvelope<Resource>;
}

/**
 * Callback notifications (docs/protocol.md#callback-notifications): verify the raw body like an answer (headers, clock
 * window, serial, signature, probes rejected), then decrypt `resource` with the APIv3 key (AES-256-GCM).
 */
export const Notification = {
  /** A parser for one merchant: the APIv3 key and the certs are checked here, not at the first callback. */
  create(options: NotificationOptions): NotificationParser {
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'Notification.create needs { certs, apiv3Key }');
    const key = checkedApiv3Key(options.apiv3Key);
    const keys = options.certs instanceof PlatformKeys ? options.certs : PlatformKeys.load(options.certs, '', 'certs');
    const maxClockOffset = checkMaxClockOffset(options.maxClockOffset);
    return { parse: (request) => parseWith(request, keys.byId, key, maxClockOffset) };
  },

  /** Verifies and decrypts one notification. */
  parse<Resource = Record<string, unknown>>(request: NotificationRequest, options: NotificationOptions): NotificationEnvelope<Resource> {
    return Notification.create(options).parse<Resource>(request);
  },

  /**
   * One notify URL for many merchants: a router over clients made by `Builder.factory`, which picks the
   * merchant by the notification's `Wechatpay-Serial` (trying each candidate's APIv3 key where several
   * trust that platform key) and resolves what `client.notification.parse` would, plus `mchid`.
   */
  router(clients: readonly RoutableClient[]): NotificationRouter {
    return createRouter(clients);
  },

  /** The raw body and headers of a node:http request (Express, Koa and Next.js expose it too): never a parsed object. */
  async fromNodeRequest(request: IncomingMessage, limit = 1024 * 1024): Promise<NotificationRequest> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new VerificationError('EV3_NOTIFY_RESOURCE', `The notification body exceeds ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    return { headers: request.headers, body: Buffer.concat(chunks) };
  },

  /**
   * Narrows a parsed notification to an event type whose resource the API description gives:
   * `if (Notification.isEvent(event, 'TRANSACTION.SUCCESS')) event.resource.amount?.total`.
   */
  isEvent<E extends KnownEventType>(envelope: NotificationEnvelope<unknown>, eventType: E): envelope is NotificationEnvelope<NotificationResources[E]> & { event_type: E } {
    return envelope.event_type === eventType;
  },

  /** The answer that tells the platform the notification was handled (HTTP 204, no body). */
  success(): NotificationReply {
    return { status: 204, headers: {}, body: '' };
  },

  /** The answer that asks the platform to retry later: `{"code":"FAIL","message":...}` with a 4xx/5xx status. */
  failure(message = 'FAIL', status = 500): NotificationReply {
    return {
      status: status >= 400 && status < 600 ? status : 500,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: 'FAIL', message }),
    };
  },

  /**
   * An APIv2 notification (XML): a payment result, its `sign` checked with the APIv2 secret (MD5 or
   * HMAC-SHA256 as it says), or a refund result, its `req_info` decrypted (AES-256-ECB, key = md5 of the
   * secret) and parsed in place. `'req_info' in result` tells a refund.
   */
  parseV2(request: NotificationV2Request, options: NotificationV2Options): V2Notification {
    return parseV2Notification(request, options);
  },

  /** The APIv2 reply that tells the platform the notification was handled: `<xml><return_code>SUCCESS</return_code>...`. */
  successV2(): NotificationV2Reply {
    return successV2();
  },

  /** The APIv2 reply that asks the platform to notify again: `<xml><return_code>FAIL</return_code><return_msg>...`. */
  failureV2(message?: string): NotificationV2Reply {
    return failureV2(message);
  },
};

function parseWith<Resource>(request: NotificationRequest, keys: ReadonlyMap<string, KeyObject>, apiv3Key: string, maxClockOffset: number): NotificationEnvelope<Resource> {
  const raw = rawBody(request);
  verifySigned({ headers: request.headers, raw }, { keys, maxClockOffset, subject: 'notification' });
  const opened = openWith<Resource>(raw, request, apiv3Key);
  if ('refused' in opened) throw opened.refused;
  return opened.envelope;
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

/** A 32-byte APIv3 key, checked where it is configured. */
export function checkedApiv3Key(key: unknown, field = 'apiv3Key'): string {
  if (typeof key !== 'string' || Buffer.byteLength(key) !== 32) {
    const got = typeof key === 'string' ? `${Buffer.byteLength(key)} bytes` : key === undefined ? 'nothing' : `a ${typeof key}`;
    throw new ConfigError(field, `must be the 32-byte APIv3 key, got ${got}`);
  }
  return key;
}
