/**
 * One notify URL for many merchants (a platform, a service provider running several merchant accounts):
 * `Notification.router(clients)` picks the merchant of each notification by its `Wechatpay-Serial` (the
 * platform key that signed it), verifies it with that key, and opens its resource with the merchant's APIv3
 * key. Merchants that trust the same platform key (a service provider's sub-merchants) are told apart by
 * the APIv3 key that opens the resource: AES-GCM's tag fails for every other key.
 */
import type { KeyObject } from 'node:crypto';
import { ConfigError, VerificationError } from '../errors.js';
import { headerOf, plainHeaders } from '../util/headers.js';
import { verifySigned, WECHATPAY_SERIAL } from '../v3/verifier.js';
import { openWith, rawBody, type NotificationEnvelope, type NotificationRequest } from './notification-open.js';
import type { NotificationEvent, NotificationHandlers } from './notification-dispatch.js';
import type { NotificationHandler, NotificationHandlerOptions } from './notification-handler.js';
import { v3Handler } from './notification-receivers.js';

/**
 * What a router needs of one client, under a symbol on `client.notification` (not enumerable, so not
 * printed; the APIv3 key stays inside `open`).
 */
export interface RoutingTarget {
  readonly mchid: string;
  readonly maxClockOffset: number;
  /** The platform key of this serial or public-key id, if this client trusts it now. */
  key(serial: string): KeyObject | undefined;
  /** Whether this client can open resources: it has an APIv3 key. */
  readonly canOpen: boolean;
  /** The verified notification opened with this client's APIv3 key. */
  open<Resource>(raw: Buffer, request: NotificationRequest): ReturnType<typeof openWith<Resource>>;
}

export const ROUTING: unique symbol = Symbol('wechatpay-chain.notification-routing');

/** A client made by `Builder.factory` (anything whose `notification` carries the routing target). */
export interface RoutableClient {
  readonly notification: object;
}

/** A notification a router parsed: the same as `client.notification.parse`, plus the merchant it is for. */
export type RoutedNotification<Resource = Record<string, unknown>> = NotificationEnvelope<Resource> & {
  /** The merchant (its client's `mchid`) whose keys verified and opened it. */
  mchid: string;
};

export interface NotificationRouter {
  /** The merchants served, in the order given. */
  readonly merchants: readonly string[];
  /** Verifies and decrypts a notification for whichever merchant it is for. */
  parse<Resource = Record<string, unknown>>(request: NotificationRequest): RoutedNotification<Resource>;
  /** `client.notification.handler` for every merchant of the router: each event also says its `mchid`. */
  handler(handlers: NotificationHandlers<{ mchid: string }>, options?: NotificationHandlerOptions<NotificationEvent<string, { mchid: string }>>): NotificationHandler;
}

function targetOf(client: RoutableClient, index: number): RoutingTarget {
  const target = (client?.notification as { [ROUTING]?: RoutingTarget } | undefined)?.[ROUTING];
  if (!target) throw new ConfigError(`clients[${index}]`, 'is not a client made by Builder.factory');
  if (!target.canOpen) throw new ConfigError(`clients[${index}]`, `(merchant ${target.mchid}) has no apiv3Key: Builder.factory({ ..., apiv3Key }) is needed to decrypt notifications`);
  return target;
}

/** A router over `clients` (at least one, each merchant once), checked here rather than at the first callback. */
export function createRouter(clients: readonly RoutableClient[]): NotificationRouter {
  if (!Array.isArray(clients) || clients.length === 0) throw new ConfigError('clients', 'must be a non-empty array of clients made by Builder.factory');
  const targets = clients.map(targetOf);
  const merchants = targets.map((target) => target.mchid);
  const twice = merchants.find((mchid, index) => merchants.indexOf(mchid) !== index);
  if (twice !== undefined) throw new ConfigError('clients', `holds merchant ${twice} twice: which one a notification is for could not be told`);

  const router: NotificationRouter = {
    merchants,
    handler: (handlers, options) => v3Handler<{ mchid: string }>((request) => router.parse(request), handlers, options),
    parse<Resource>(request: NotificationRequest): RoutedNotification<Resource> {
      const raw = rawBody(request);
      const serial = headerOf(request.headers, WECHATPAY_SERIAL) ?? '';
      const candidates = targets.filter((target) => target.key(serial) !== undefined);
      const [first] = candidates;
      if (!first) {
        // The verifier's rules in their order (incomplete headers, the clock) before saying whose key it is not.
        try {
          verifySigned({ headers: request.headers, raw }, { keys: new Map(), maxClockOffset: targets[0]!.maxClockOffset, subject: 'notification' });
        } catch (error) {
          if (!(error instanceof VerificationError) || error.code !== 'EV3_RES_HEADER_PLATFORM_SERIAL') throw error;
        }
        throw new VerificationError('EV3_RES_HEADER_PLATFORM_SERIAL',
          `The notification is signed by ${serial}, which none of the merchants of this router (${merchants.join(', ')}) trusts`,
          { headers: plainHeaders(request.headers), body: raw.toString('utf8') });
      }
      // Merchants trusting one serial trust one key: verified once.
      verifySigned({ headers: request.headers, raw }, { keys: new Map([[serial, first.key(serial)!]]), maxClockOffset: first.maxClockOffset, subject: 'notification' });
      for (const target of candidates) {
        const opened = target.open<Resource>(raw, request);
        if ('envelope' in opened) return { ...opened.envelope, mchid: target.mchid };
      }
      throw new VerificationError('EV3_NOTIFY_RESOURCE',
        `The notification is signed by ${serial}, which merchant${candidates.length > 1 ? 's' : ''} ${candidates.map((t) => t.mchid).join(', ')} ` +
        'trust, but none of their APIv3 keys opens its resource: it is for a merchant this router does not serve, or was altered',
        { headers: plainHeaders(request.headers), body: raw.toString('utf8') });
    },
  };
  return router;
}
