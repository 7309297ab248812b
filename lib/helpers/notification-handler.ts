/**
 * The receiving side of notifications as one object: a request comes in (method, headers, raw body), a
 * reply goes out, and in between the rules the platform documents, in this order:
 *
 * 1. not a POST: 405; a body over `maxBodySize`: 413 (before any crypto);
 * 2. verified and decrypted, else a 4xx (nothing runs, nothing is claimed: a forged copy never uses up a
 *    genuine id);
 * 3. claimed in the store (notification-store.ts): handled before, 2xx at once; being handled by another
 *    delivery, wait for it and answer as it does;
 * 4. the most specific handler runs (or `onUnhandled`): it returns, the id is recorded as done and the
 *    reply is 2xx with an empty body; it throws, the id is released and the reply is a 5xx, so the
 *    platform delivers again.
 *
 * APIv3 and APIv2 differ in how a request is parsed, which id it has and how replies look: a `Flavour`.
 */
import { randomUUID } from 'node:crypto';
import { emitWarning } from 'node:process';
import { ConfigError, CryptoError, VerificationError } from '../errors.js';
import type { HeaderBag } from '../util/headers.js';
import { MIN_NOTIFICATION_TTL_MS, MemoryNotificationStore, type NotificationState, type NotificationStore } from './notification-store.js';
import { adapters, type NotificationAdapters } from './notification-adapters.js';

/** A request as an adapter hands it over: the body is the raw bytes. */
export interface IncomingNotification {
  /** The HTTP method (default POST). */
  method?: string;
  headers: HeaderBag;
  body: string | Buffer | Uint8Array;
}

/** What to write back: `status`, `headers`, `body` (empty on success). */
export interface NotificationHandlerReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Where something went wrong, for `onError`. */
export type NotificationErrorStage =
  /** The notification failed verification or decryption (answered 4xx). */
  | 'verify'
  /** A handler (or `onUnhandled`) threw (answered 5xx). */
  | 'handler'
  /** The store failed (answered 5xx, or 2xx when only recording a success failed). */
  | 'store'
  /** The raw body could not be had: a body parser consumed it, or the stream failed (answered 5xx). */
  | 'body';

export interface NotificationHandlerOptions<Event> {
  /** Remembers handled ids (default: a bounded `MemoryNotificationStore` of this handler's own). */
  store?: NotificationStore;
  /** Bytes; a larger body is answered 413 before any crypto (default 1 MiB). */
  maxBodySize?: number;
  /** Milliseconds a handled id is remembered (default and least: 25 h; the platform retries for about 24 h). */
  ttlMs?: number;
  /** Milliseconds a delivery holds an id while its handler runs; a crashed process frees it after this (default 60 s). */
  leaseMs?: number;
  /** Milliseconds a concurrent duplicate waits for the delivery that runs the handler before answering 5xx (default 4 s: the platform waits about 5). */
  waitMs?: number;
  /** Called (and acknowledged) for an event type no handler key matches. */
  onUnhandled?(event: Event): unknown;
  /** Told every failure (default: a process warning for `handler`, `store` and `body` failures; `verify` ones are not reported). */
  onError?(error: Error, stage: NotificationErrorStage): void;
}

/** How one protocol (APIv3 JSON, APIv2 XML) is parsed and answered. */
export interface Flavour<Event> {
  /** Verifies and decrypts; throws a VerificationError (or CryptoError) for anything not genuine. */
  parse(request: IncomingNotification): Event | Promise<Event>;
  /** The id that runs at most once to success. */
  key(event: Event): string;
  /** The handler for this event, if any. */
  route(event: Event): ((event: Event) => unknown) | undefined;
  success(): NotificationHandlerReply;
  failure(message: string, status: number): NotificationHandlerReply;
}

/** `client.notification.handler(...)`: answer a request with `handle`, or mount one of the adapters. */
export interface NotificationHandler extends NotificationAdapters {
  /** Handles one request (raw body) and resolves with the reply to write; never rejects. */
  handle(request: IncomingNotification): Promise<NotificationHandlerReply>;
  /** The largest body accepted, in bytes. */
  readonly maxBodySize: number;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_WAIT_MS = 4000;
const POLL_MS = 50;

function positive(value: number | undefined, fallback: number, field: string, least = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < least) throw new ConfigError(field, `must be a whole number, ${least} or more (got ${String(value)})`);
  return value;
}

/** The 4xx a notification that is not genuine gets. */
function refusal(error: unknown): number | undefined {
  if (error instanceof CryptoError) return 400;
  if (!(error instanceof VerificationError)) return undefined;
  return error.code.startsWith('EV3_RES_') || error.code === 'EV2_NOTIFY_SIGN' ? 401 : 400;
}

const warn = (error: Error, stage: NotificationErrorStage): void => {
  if (stage !== 'verify') emitWarning(error.message, { type: 'WechatpayNotificationWarning', code: `NOTIFICATION_${stage.toUpperCase()}` });
};

export function createNotificationHandler<Event>(flavour: Flavour<Event>, options: NotificationHandlerOptions<Event> = {}): NotificationHandler {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
  const store = options.store ?? new MemoryNotificationStore();
  for (const method of ['claim', 'complete', 'release', 'state'] as const) {
    if (typeof store[method] !== 'function') throw new ConfigError('options.store', `has no ${method}(): a NotificationStore has claim, complete, release and state`);
  }
  const maxBodySize = positive(options.maxBodySize, DEFAULT_MAX_BODY, 'options.maxBodySize');
  const ttlMs = positive(options.ttlMs, MIN_NOTIFICATION_TTL_MS, 'options.ttlMs', MIN_NOTIFICATION_TTL_MS);
  const leaseMs = positive(options.leaseMs, DEFAULT_LEASE_MS, 'options.leaseMs');
  const waitMs = positive(options.waitMs, DEFAULT_WAIT_MS, 'options.waitMs', 0);
  const onError = options.onError ?? warn;
  const report = (error: unknown, stage: NotificationErrorStage): void => {
    try {
      onError(error instanceof Error ? error : new Error(String(error)), stage);
    } catch {
      // A failing reporter must not change the reply.
    }
  };

  /** The outcome of the delivery holding `key`: polls the store (or awaits its `settled`) up to `waitMs`. */
  const outcome = async (key: string): Promise<NotificationState> => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const left = deadline - Date.now();
      const state = store.settled ? await store.settled(key, Math.max(0, left)) : await store.state(key);
      if (state !== 'busy' || left <= 0) return state;
      if (!store.settled) await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  };

  const run = async (event: Event): Promise<NotificationHandlerReply> => {
    const key = flavour.key(event);
    const owner = randomUUID();
    let claim;
    try {
      claim = await store.claim(key, owner, leaseMs);
    } catch (error) {
      report(error, 'store');
      return flavour.failure('store unavailable', 503);
    }
    if (claim === 'done') return flavour.success();
    if (claim === 'busy') {
      let state: NotificationState;
      try {
        state = await outcome(key);
      } catch (error) {
        report(error, 'store');
        return flavour.failure('store unavailable', 503);
      }
      return state === 'done' ? flavour.success() : flavour.failure(state === 'busy' ? 'being handled, try later' : 'handler failed', 503);
    }
    try {
      const handler = flavour.route(event);
      if (handler) await handler(event);
      else await options.onUnhandled?.(event);
    } catch (error) {
      await Promise.resolve().then(() => store.release(key, owner)).catch((released: unknown) => report(released, 'store'));
      report(error, 'handler');
      return flavour.failure('handler failed', 500);
    }
    try {
      await store.complete(key, ttlMs);
    } catch (error) {
      // The handler did succeed: a 5xx would run it again.
      report(error, 'store');
    }
    return flavour.success();
  };

  const handle = async (request: IncomingNotification): Promise<NotificationHandlerReply> => {
    const method = (request?.method ?? 'POST').toUpperCase();
    if (method !== 'POST') {
      const reply = flavour.failure('method not allowed', 405);
      return { ...reply, headers: { ...reply.headers, Allow: 'POST' } };
    }
    const size = typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body?.byteLength ?? 0;
    if (size > maxBodySize) return flavour.failure('body too large', 413);
    let event: Event;
    try {
      event = await flavour.parse(request);
    } catch (error) {
      const status = refusal(error);
      report(error, status ? 'verify' : 'handler');
      return status ? flavour.failure('verification failed', status) : flavour.failure('cannot read notification', 500);
    }
    return run(event);
  };

  return {
    maxBodySize,
    handle,
    ...adapters({
      handle,
      maxBodySize,
      failure: (message, status) => flavour.failure(message, status),
      report: (error) => report(error, 'body'),
    }),
  };
}
