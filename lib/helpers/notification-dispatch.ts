/**
 * Which handler a notification runs: handlers are keyed by the platform's `event_type` values, exactly
 * (`TRANSACTION.SUCCESS`), by a prefix (`REFUND.*`) or for anything (`*`); only the most specific key that
 * matches runs: the exact one, else the longest prefix, else `*`.
 */
import { ConfigError } from '../errors.js';
import type { NotificationEnvelope } from './notification-open.js';
import type { NotificationEventType, NotificationResourceOf } from './notification-types.js';

/** A notification as a handler receives it: what `parse` returns, its `resource` typed by its event type. */
export type NotificationEvent<E extends string = string, Extra extends object = Record<never, never>> =
  NotificationEnvelope<NotificationResourceOf<E>> & { event_type: E } & Extra;

/** A handler: sync or async; a throw or a rejection asks the platform to deliver the notification again. */
export type EventHandler<Event> = (event: Event) => unknown;

/** Handlers keyed by event type (typed resource), by prefix (`REFUND.*`) or `*`. `Extra`: what a router adds (`mchid`). */
export type NotificationHandlers<Extra extends object = Record<never, never>> =
  & { readonly [E in NotificationEventType]?: EventHandler<NotificationEvent<E, Extra>> }
  & { readonly [prefix: `${string}.*`]: EventHandler<NotificationEvent<string, Extra>> | undefined }
  & { readonly '*'?: EventHandler<NotificationEvent<string, Extra>> };

/** The handlers checked once: a lookup by event type. */
export type Dispatch<Event> = (eventType: string) => EventHandler<Event> | undefined;

/** Checks the keys and values of `handlers` (at setup, not at the first notification) and returns the lookup. */
export function dispatcher<Event>(handlers: object, field = 'handlers'): Dispatch<Event> {
  if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) {
    throw new ConfigError(field, 'must be an object of handlers keyed by event type: { \'TRANSACTION.SUCCESS\': async (event) => { ... } }');
  }
  const exact = new Map<string, EventHandler<Event>>();
  const prefixes: Array<[string, EventHandler<Event>]> = [];
  let any: EventHandler<Event> | undefined;
  for (const [key, value] of Object.entries(handlers)) {
    if (value === undefined) continue;
    if (typeof value !== 'function') throw new ConfigError(`${field}['${key}']`, `must be a function, got ${value === null ? 'null' : typeof value}`);
    const handler = value as EventHandler<Event>;
    if (key === '*') any = handler;
    else if (/^[^*]+\.\*$/.test(key)) prefixes.push([key.slice(0, -1), handler]);
    else if (key !== '' && !key.includes('*')) exact.set(key, handler);
    else throw new ConfigError(`${field}['${key}']`, 'is not an event type, a prefix ending in `.*` (`REFUND.*`), or `*`');
  }
  prefixes.sort(([a], [b]) => b.length - a.length);
  return (eventType) => exact.get(eventType) ?? prefixes.find(([prefix]) => eventType.startsWith(prefix))?.[1] ?? any;
}
