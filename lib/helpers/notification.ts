import type { IncomingMessage } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { ConfigError, VerificationError } from '../errors.js';
import { PlatformKeys, type CertsInput } from '../v3/platform-keys.js';
import { checkMaxClockOffset, verifySigned } from '../v3/verifier.js';
import type { KnownEventType, NotificationResources } from './notification-types.js';
import {
  failureV2, parseV2Notification, successV2,
  type NotificationV2Options, type NotificationV2Reply, type NotificationV2Request, type V2Notification,
} from './notification-v2.js';
import { createRouter, type NotificationRouter, type RoutableClient } from './notification-router.js';
import { openWith, rawBody, v3Failure, v3Success, type NotificationEnvelope, type NotificationRequest } from './notification-open.js';

export { openWith, rawBody } from './notification-open.js';
export type { EncryptedResource, NotificationEnvelope, NotificationRequest } from './notification-open.js';

export interface NotificationOptions {
  /** The platform certificates/public keys (as `Builder.factory`'s `certs`), or a loaded keyring. */
  certs: CertsInput | PlatformKeys;
  /** The APIv3 key: exactly 32 bytes. */
  apiv3Key: string;
  /** Seconds between the notification's timestamp and this machine's clock (default 300). */
  maxClockOffset?: number;
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
    return v3Success();
  },

  /** The answer that asks the platform to retry later: `{"code":"FAIL","message":...}` with a 4xx/5xx status. */
  failure(message = 'FAIL', status = 500): NotificationReply {
    return v3Failure(message, status);
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

/** A 32-byte APIv3 key, checked where it is configured. */
export function checkedApiv3Key(key: unknown, field = 'apiv3Key'): string {
  if (typeof key !== 'string' || Buffer.byteLength(key) !== 32) {
    const got = typeof key === 'string' ? `${Buffer.byteLength(key)} bytes` : key === undefined ? 'nothing' : `a ${typeof key}`;
    throw new ConfigError(field, `must be the 32-byte APIv3 key, got ${got}`);
  }
  return key;
}
