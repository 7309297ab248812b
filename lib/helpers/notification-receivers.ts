/**
 * The two kinds of notification a handler receives: APIv3 (JSON, keyed by `event_type`, replies empty or
 * `{"code":"FAIL","message":...}`) and APIv2 (XML payment and refund results, replies
 * `<xml><return_code>...`). Each says how it is parsed, which id runs once, and how it is answered.
 */
import { ConfigError, VerificationError } from '../errors.js';
import { plainHeaders } from '../util/headers.js';
import { dispatcher, type NotificationEvent, type NotificationHandlers } from './notification-dispatch.js';
import { createNotificationHandler, type IncomingNotification, type NotificationHandler, type NotificationHandlerOptions } from './notification-handler.js';
import { v3Failure, v3Success, type NotificationEnvelope } from './notification-open.js';
import {
  failureV2, successV2, type NotificationV2Request, type V2Notification, type V2PaymentNotification, type V2RefundNotification,
} from './notification-v2.js';

/** `handlerV2`'s handlers: the payment result and the refund result. */
export interface NotificationV2Handlers {
  payment?(notification: V2PaymentNotification): unknown;
  refund?(notification: V2RefundNotification): unknown;
}

/** `client.notification.handler` and `handlerV2`. */
export interface ClientNotificationHandlers {
  /**
   * One object for the receiving side (docs/notifications.md): verifies, decrypts, runs the most specific
   * handler once per notification id, answers as the platform expects; mount it with an adapter
   * (`.node`, `.express()`, `.koa()`, `.fastify({ path })`, `.fetch`).
   */
  handler(handlers: NotificationHandlers, options?: NotificationHandlerOptions<NotificationEvent>): NotificationHandler;
  /** The same for APIv2 (XML) notifications: `{ payment, refund }`, XML replies. */
  handlerV2(handlers: NotificationV2Handlers, options?: NotificationHandlerOptions<V2Notification>): NotificationHandler;
}

/** An APIv3 handler over `parse` (a client's, or a router's, which adds `mchid`). */
export function v3Handler<Extra extends object>(
  parse: (request: IncomingNotification) => (NotificationEnvelope & Extra) | Promise<NotificationEnvelope & Extra>,
  handlers: NotificationHandlers<Extra>,
  options?: NotificationHandlerOptions<NotificationEvent<string, Extra>>,
): NotificationHandler {
  type Event = NotificationEvent<string, Extra>;
  const dispatch = dispatcher<Event>(handlers);
  return createNotificationHandler<Event>({
    async parse(request) {
      const event = await parse(request) as Event;
      if (typeof event.id !== 'string' || event.id === '' || typeof event.event_type !== 'string') {
        throw new VerificationError('EV3_NOTIFY_RESOURCE', 'The notification has no `id` or `event_type` (strings)', { headers: plainHeaders(request.headers) });
      }
      return event;
    },
    key: (event) => `v3:${event.id}`,
    route: (event) => dispatch(event.event_type),
    success: v3Success,
    failure: v3Failure,
  }, options);
}

/** An APIv2 handler over a client's `parseV2`. */
export function v2Handler(
  parse: (request: NotificationV2Request) => V2Notification,
  handlers: NotificationV2Handlers,
  options?: NotificationHandlerOptions<V2Notification>,
): NotificationHandler {
  if (typeof handlers !== 'object' || handlers === null) throw new ConfigError('handlers', 'must be { payment, refund } (functions)');
  for (const [key, value] of Object.entries(handlers)) {
    if (key !== 'payment' && key !== 'refund') throw new ConfigError(`handlers.${key}`, 'is not a kind of APIv2 notification: handlerV2 takes { payment, refund }');
    if (value !== undefined && typeof value !== 'function') throw new ConfigError(`handlers.${key}`, `must be a function, got ${typeof value}`);
  }
  return createNotificationHandler<V2Notification>({
    parse: (request) => parse(request),
    // A refund result once per refund and status; a payment result once per order, transaction and result.
    key: (event) => ('req_info' in event
      ? `v2:refund:${event.mch_id}:${event.req_info.refund_id}:${event.req_info.refund_status}`
      : `v2:pay:${event.mch_id}:${event.out_trade_no}:${event.transaction_id ?? ''}:${event.result_code}`),
    route: (event) => {
      if ('req_info' in event) {
        const refund = handlers.refund;
        return refund && ((notification) => refund(notification as V2RefundNotification));
      }
      const payment = handlers.payment;
      return payment && ((notification) => payment(notification as V2PaymentNotification));
    },
    success: successV2,
    failure: (message, status) => ({ ...failureV2(message), status }),
  }, options);
}

/** A client's notification parsers, with `handler` and `handlerV2` over them. */
export function withHandlers<Parsers extends {
  parseAsync(request: IncomingNotification): Promise<NotificationEnvelope>;
  parseV2(request: NotificationV2Request): V2Notification;
}>(parsers: Parsers, configured: { apiv3Key: boolean; secret: boolean }): Parsers & ClientNotificationHandlers {
  return {
    ...parsers,
    handler(handlers, options) {
      if (!configured.apiv3Key) throw new ConfigError('apiv3Key', 'is not configured: Builder.factory({ ..., apiv3Key }) is needed to decrypt notifications');
      return v3Handler<Record<never, never>>((request) => parsers.parseAsync(request), handlers, options);
    },
    handlerV2(handlers, options) {
      if (!configured.secret) throw new ConfigError('secret', 'is not configured: Builder.factory({ ..., secret }) is needed to check APIv2 notifications');
      return v2Handler((request) => parsers.parseV2(request), handlers, options);
    },
  };
}
