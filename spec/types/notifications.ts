/**
 * Type tests for `client.notification.handler`: each key's event carries the resource type of its event type
 * (from the generated map), prefixes and `*` get a plain record, and keys that are not event types are refused.
 * `@ts-expect-error TSnnnn`: see spec/codegen/type-tests.slow.spec.ts.
 */
import type { Builder } from '../../lib/core/builder.js';
import { Notification } from '../../lib/helpers/notification.js';
import type { NotificationEvent } from '../../lib/helpers/notification-dispatch.js';
import type { NotificationHandler } from '../../lib/helpers/notification-handler.js';
import type { NotificationEventType, RefundNotificationResource } from '../../lib/helpers/notification-types.js';

declare const client: ReturnType<typeof Builder.factory>;
declare function expectType<T>(value: T): void;

export function typedHandlers(): NotificationHandler {
  return client.notification.handler({
    'TRANSACTION.SUCCESS': async (event) => {
      expectType<string>(event.id);
      expectType<'TRANSACTION.SUCCESS'>(event.event_type);
      expectType<string | undefined>(event.resource.out_trade_no);
      expectType<number | undefined>(event.resource.amount?.total);
      // @ts-expect-error TS2339
      expectType<unknown>(event.resource.refund_status);
    },
    'REFUND.SUCCESS': (event) => {
      expectType<RefundNotificationResource>(event.resource);
      expectType<'SUCCESS' | 'CLOSED' | 'ABNORMAL'>(event.resource.refund_status);
      expectType<number>(event.resource.amount.payer_refund);
      // @ts-expect-error TS2339
      expectType<unknown>(event.resource.trade_state);
    },
    'REFUND.*': (event) => {
      expectType<string>(event.event_type);
      expectType<Record<string, unknown>>(event.resource);
    },
    '*': (event) => {
      expectType<unknown>(event.resource['anything']);
    },
  }, {
    onUnhandled: (event) => expectType<string>(event.event_type),
  });
}

export function refusedKeys(): void {
  client.notification.handler({
    // @ts-expect-error TS2353
    'TRANSACTION.SUCCES': () => undefined,
  });
  client.notification.handler({
    // @ts-expect-error TS2322
    'TRANSACTION.SUCCESS': 'not a function',
  });
}

export function routerEvents(): void {
  Notification.router([client]).handler({
    'TRANSACTION.SUCCESS': (event) => {
      expectType<string>(event.mchid);
      expectType<string | undefined>(event.resource.transaction_id);
    },
  });
  client.notification.handler({
    'TRANSACTION.SUCCESS': (event) => {
      // @ts-expect-error TS2339
      expectType<string>(event.mchid);
    },
  });
}

export function v2Handlers(): void {
  client.notification.handlerV2({
    payment: (notification) => expectType<string>(notification.transaction_id),
    refund: (notification) => expectType<string>(notification.req_info.refund_id),
  });
  // @ts-expect-error TS2561
  client.notification.handlerV2({ refunds: () => undefined });
}

export function generatedEventTypes(event: NotificationEvent<'COUPON.USE'>): void {
  expectType<NotificationEventType>('MCHTRANSFER.QQWALLETBILL.FINISHED');
  expectType<Record<string, unknown>>(event.resource);
  // @ts-expect-error TS2345
  expectType<NotificationEventType>('TRANSACTION.SUCCES');
}
