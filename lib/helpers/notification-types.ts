/**
 * The typed view of notifications: the event types and resource shapes come from the API description
 * (lib/generated/notifications.ts, made by `npm run codegen`); this module only names them for the SDK.
 */
import type { NotificationEventType, NotificationResources, RefundNotificationResource } from '../generated/notifications.js';

export type { NotificationEventType, NotificationResources, RefundNotificationResource };

/** The event types with a known resource shape. */
export type KnownEventType = keyof NotificationResources;

/** The decrypted resource of an event type: its known shape, else a plain record. */
export type NotificationResourceOf<E extends string> = E extends KnownEventType ? NotificationResources[E] : Record<string, unknown>;
