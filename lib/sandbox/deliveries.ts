/**
 * Notifications delivered as the platform delivers them: POSTed to the merchant's notify_url, signed
 * (fresh headers on every attempt) and encrypted; a 2xx answer within the timeout is a delivery, anything
 * else (another status, no answer, a refused connection) is retried after 15s, 15s, 30s, 3m, 10m, 20m,
 * 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h: sixteen attempts over 24h4m, then the notification is given up.
 *
 * `timeScale` compresses the schedule (0.001: 15 s become 15 ms) for tests and demos. Retries are due on
 * the business clock (clock.ts): advancing it makes the attempts due on the way, each at its own time. Every attempt is
 * kept on the delivery (the console and the control API show them); pending deliveries are part of the
 * state, so a sandbox restarted on the same folder resumes them where they were.
 */
import type { NotificationInput, NotificationResult } from './call.js';
import type { Identity } from './identity.js';
import { notificationBody, post } from './behaviours/notifications.js';
import { signatureHeaders, signingKey, type SignWith, type SigningTweak } from './sign.js';
import type { Delivery, DeliveryAttempt, SandboxState } from './state.js';

/** The platform's retry intervals after the first attempt, in seconds. */
export const RETRY_SCHEDULE: readonly number[] = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];

/** How long the merchant has to answer one attempt (the platform waits about 5 s). */
export const DEFAULT_NOTIFY_TIMEOUT = 5000;

/** The deliveries kept (the oldest finished ones are forgotten past this). */
const KEPT = 1000;
const SHOWN_ANSWER = 4096;

export interface DeliveryOptions {
  /** Multiplies every retry interval: 1 is the platform's pace, 0.001 a thousand times faster. */
  timeScale: number;
  /** Milliseconds the merchant has to answer one attempt. */
  timeout: number;
  /** The platform's own deliveries (those retried: payments, refunds, transfers) go to this URL instead of their notify_url; `notify(url)` keeps its URL. */
  forwardTo?: string;
}

export interface Deliver {
  url: string;
  input: NotificationInput;
  subject?: Delivery['subject'];
  /** Retry on the schedule (default); false: one attempt only (`sandbox.notify()`). */
  retries?: boolean;
  /** Spoil the signature on purpose (one-shots). */
  fault?: string;
  tweak?: SigningTweak;
}

/** The outcome of a first attempt. */
export interface FirstAttempt {
  delivery: Delivery;
  /** The merchant's answer, when there was one. */
  result?: NotificationResult;
  /** Why there was no answer. */
  error?: Error;
}

export class Deliveries {
  /** The deliveries with a retry scheduled on the business clock. */
  readonly #scheduled = new Set<string>();
  readonly #inflight = new Set<AbortController>();
  #closed = false;

  constructor(
    private readonly identity: Identity,
    private readonly settings: { signWith: SignWith },
    private readonly state: SandboxState,
    readonly options: DeliveryOptions,
  ) {}

  /** Makes a notification and its first attempt; later attempts are scheduled when it fails and `retries`. */
  async deliver(request: Deliver): Promise<FirstAttempt> {
    const { id, eventType, summary, body } = notificationBody(this.identity, request.input, this.state.clock.date());
    const delivery: Delivery = {
      id, url: request.retries === false ? request.url : this.options.forwardTo ?? request.url, event_type: eventType, summary, body, created: this.state.clock.date().toISOString(),
      state: 'sending', retries: request.retries ?? true, attempts: [],
      ...(request.subject ? { subject: request.subject } : {}), ...(request.fault ? { fault: request.fault } : {}),
    };
    this.state.deliveries.set(id, delivery);
    this.#forgetOld();
    this.state.changed('delivery', id);
    this.state.flush();
    return this.#attempt(delivery, request.tweak ?? {});
  }

  /** Schedules the pending deliveries of a restored state (an attempt cut short by a stop is made again). */
  resume(): void {
    for (const delivery of this.state.deliveries.values()) {
      if (delivery.state === 'sending') {
        delivery.state = delivery.retries ? 'pending' : 'failed';
        if (delivery.retries) delivery.next_at = this.state.clock.date().toISOString();
        this.state.changed('delivery', delivery.id);
      }
      if (delivery.state === 'pending') this.#schedule(delivery);
    }
    this.state.flush();
  }

  /** Makes the next attempt of a delivery now (a pending or failed one). */
  async retryNow(id: string): Promise<FirstAttempt> {
    const delivery = this.state.deliveries.get(id);
    if (!delivery) throw new Error(`No notification ${id}`);
    if (delivery.state === 'delivered' || delivery.state === 'sending') throw new Error(`Notification ${id} is ${delivery.state}`);
    this.#unschedule(id);
    return this.#attempt(delivery, {});
  }

  /** Forgets every timer (a reset). */
  clear(): void {
    for (const id of [...this.#scheduled]) this.#unschedule(id);
  }

  /** Stops: no more attempts; the ones in flight are abandoned (and made again after a restart). */
  close(): void {
    this.#closed = true;
    this.clear();
    for (const controller of this.#inflight) controller.abort();
  }

  async #attempt(delivery: Delivery, tweak: SigningTweak): Promise<FirstAttempt> {
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/4.0',
      ...await signatureHeaders(Buffer.from(delivery.body), signingKey(this.identity, this.settings.signWith), tweak),
    };
    const started = Date.now();
    const businessStart = this.state.clock.now();
    const controller = new AbortController();
    this.#inflight.add(controller);
    delivery.state = 'sending';
    delete delivery.next_at;
    const attempt: DeliveryAttempt = { n: delivery.attempts.length + 1, at: new Date(businessStart).toISOString(), ms: 0, ok: false, headers: signatureOnly(headers) };
    let result: NotificationResult | undefined;
    let error: Error | undefined;
    try {
      const answer = await post(delivery.url, headers, delivery.body, this.options.timeout, controller.signal);
      result = { ...answer, sent: { headers, body: delivery.body } };
      attempt.status = answer.status;
      attempt.body = answer.body.length > SHOWN_ANSWER ? `${answer.body.slice(0, SHOWN_ANSWER)}...` : answer.body;
      attempt.ok = answer.status >= 200 && answer.status < 300;
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
      attempt.error = error.message;
    } finally {
      this.#inflight.delete(controller);
    }
    if (this.#closed) return { delivery, ...(result ? { result } : {}), ...(error ? { error } : {}) };
    attempt.ms = Date.now() - started;
    delivery.attempts.push(attempt);
    if (attempt.ok) {
      delivery.state = 'delivered';
    } else if (delivery.retries && delivery.attempts.length <= RETRY_SCHEDULE.length) {
      const wait = RETRY_SCHEDULE[delivery.attempts.length - 1]! * 1000 * this.options.timeScale;
      delivery.state = 'pending';
      delivery.next_at = new Date(businessStart + attempt.ms + wait).toISOString();
      this.#schedule(delivery);
    } else {
      delivery.state = 'failed';
    }
    if (this.state.deliveries.get(delivery.id) === delivery) {
      this.state.changed('delivery', delivery.id);
      this.state.flush();
    }
    return { delivery, ...(result ? { result } : {}), ...(error ? { error } : {}) };
  }

  #schedule(delivery: Delivery): void {
    if (this.#closed) return;
    // On the business clock: advancing it (POST /__sandbox/clock) makes the attempts due on the way.
    const at = Date.parse(delivery.next_at ?? '');
    this.#scheduled.add(delivery.id);
    this.state.clock.schedule(`delivery|${delivery.id}`, Number.isFinite(at) ? at : this.state.clock.now(), async () => {
      this.#scheduled.delete(delivery.id);
      if (this.#closed || this.state.deliveries.get(delivery.id) !== delivery || delivery.state !== 'pending') return;
      await this.#attempt(delivery, {});
    });
  }

  #unschedule(id: string): void {
    this.state.clock.cancel(`delivery|${id}`);
    this.#scheduled.delete(id);
  }

  #forgetOld(): void {
    if (this.state.deliveries.size <= KEPT) return;
    for (const [id, delivery] of this.state.deliveries) {
      if (this.state.deliveries.size <= KEPT) break;
      if (delivery.state === 'delivered' || delivery.state === 'failed') {
        this.state.deliveries.delete(id);
        this.state.changed('delivery', id);
      }
    }
  }
}

/** The headers an attempt carried that the console shows (no body, nothing secret). */
function signatureOnly(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('Wechatpay-')));
}
