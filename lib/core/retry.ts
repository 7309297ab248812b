import type { RetryOptions } from './endpoint-types.js';
import { IDEMPOTENT_ENDPOINTS } from '../generated/idempotency.js';
import { ApiError, VerificationError, type WechatpayError } from '../errors.js';
import { describe, type Refuse } from './options.js';

/**
 * When a failed attempt of a call is tried again (docs/resilience.md). Retrying is safe only where the
 * platform makes it so: a request that never reached it can always be sent again; one that may have reached
 * it only when the endpoint is idempotent (a read, or a write carrying the merchant's own idempotency number,
 * which the platform answers a second time with the first result).
 */

export type { RetryOptions };

export interface RetrySettings {
  readonly retries: number;
  readonly minDelay: number;
  readonly maxDelay: number;
}

export const DEFAULT_RETRY: RetrySettings = Object.freeze({ retries: 2, minDelay: 100, maxDelay: 2_000 });
export const NO_RETRY: RetrySettings = Object.freeze({ retries: 0, minDelay: 0, maxDelay: 0 });
/** The most retries a call may ask for: more would only hide an outage. */
const MAX_RETRIES = 10;

/** `retry` as given (`false`, `true`, or {@link RetryOptions}), checked; `base` fills what is not given. */
export function checkRetry(value: unknown, refuse: Refuse, base: RetrySettings = DEFAULT_RETRY): RetrySettings {
  if (value === undefined || value === true) return base;
  if (value === false) return NO_RETRY;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refuse(`must be false, true or { retries, minDelay, maxDelay }, got ${describe(value)}`);
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key !== 'retries' && key !== 'minDelay' && key !== 'maxDelay') throw refuse(`has an unknown setting "${key.slice(0, 40)}": the settings are retries, minDelay, maxDelay`);
  }
  const whole = (key: 'retries' | 'minDelay' | 'maxDelay', max: number): number => {
    const field = given[key];
    if (field === undefined) return base[key];
    if (typeof field !== 'number' || !Number.isInteger(field) || field < 0 || field > max) {
      throw refuse(`${key} must be a whole number from 0 to ${max}, got ${describe(field)}`);
    }
    return field;
  };
  const retries = whole('retries', MAX_RETRIES);
  const minDelay = whole('minDelay', 60_000);
  const maxDelay = whole('maxDelay', 600_000);
  if (minDelay > maxDelay) throw refuse(`minDelay (${minDelay}) must not exceed maxDelay (${maxDelay})`);
  return { retries, minDelay, maxDelay };
}

/**
 * What an attempt's failure says about the request:
 * - `never-reached`: it never left this machine (DNS, refused connection, TLS handshake): safe to send again anywhere;
 * - `sent-no-answer`: it may have reached the platform, and no answer came (reset, hang-up);
 * - `retryable-status`: the platform answered that it could not do it now (5xx, 429, SYSTEM_ERROR, FREQUENCY_LIMITED);
 * - `not-retryable`: anything else (a business error, an answer that failed verification, a refused option).
 */
export type Outcome = 'never-reached' | 'sent-no-answer' | 'retryable-status' | 'not-retryable';

/** Socket error codes of a connection that was never made: the request was not sent. */
const NEVER_REACHED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'EADDRNOTAVAIL', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
/** The platform's codes for "not now": APIv3 `SYSTEM_ERROR`, `FREQUENCY_LIMITED`; APIv2 `SYSTEMERROR`. */
const RETRYABLE_API_CODES: ReadonlySet<string> = new Set(['SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'SYSTEMERROR', 'FREQ_LIMIT', 'FREQUENCY_LIMIT_EXCEED']);
/** What node says when the TLS handshake broke off: the request was not sent yet. */
const BEFORE_TLS = /before secure TLS connection was established/;

/** The transport failure beneath an SDK error (kept by util/exchange.ts toSdkError as the error's cause). */
interface SocketFailure {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** Which of the {@link Outcome}s an attempt's error is. */
export function classify(error: WechatpayError): Outcome {
  if (error instanceof ApiError) {
    return error.status >= 500 || error.status === 429 || RETRYABLE_API_CODES.has(error.code) ? 'retryable-status' : 'not-retryable';
  }
  if (error instanceof VerificationError) return 'not-retryable';
  if (error.code !== 'EREQUEST_TRANSPORT') return 'not-retryable';
  const cause = (error.cause ?? {}) as SocketFailure;
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  const message = typeof cause.message === 'string' ? cause.message : error.message;
  if (code !== undefined && NEVER_REACHED_CODES.has(code)) return 'never-reached';
  if (cause.syscall === 'connect' || cause.syscall === 'getaddrinfo' || BEFORE_TLS.test(message)) return 'never-reached';
  // A handshake that failed: nothing was sent over it.
  if (code !== undefined && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) return 'never-reached';
  // A reset, 'socket hang up', a read timeout, and anything else the socket said after the request may have left.
  return 'sent-no-answer';
}

/** What a call is, as far as retrying it goes. */
export interface RetryTarget {
  /** `get`, `post`, ... */
  readonly verb: string;
  /** The endpoint as the API description names it (`v3/pay/transactions/out-trade-no/{out_trade_no}`). */
  readonly route: string;
  /** An APIv2 call over mutual TLS (`security: true`, or an endpoint that needs it): money moves; only never-reached is retried. */
  readonly mutualTls?: boolean;
}

const idempotentRoutes: ReadonlySet<string> = new Set(IDEMPOTENT_ENDPOINTS);

/**
 * Whether the platform answers a repeat of this request with the first one's result: a read (GET, HEAD), or a
 * write listed in the generated table (lib/generated/idempotency.ts: its request carries a merchant idempotency
 * number in its path or as a required body field).
 */
export function isIdempotent(verb: string, route: string): boolean {
  const method = verb.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return true;
  return idempotentRoutes.has(`${method} ${route.replace(/^\/+/, '').replace(/[?#].*$/, '')}`);
}

/** Whether and why a failed attempt is tried again. */
export interface RetryVerdict {
  readonly retry: boolean;
  /** Why not (for the error the call ends with), or why (for logs): one sentence. */
  readonly reason: string;
}

/** Whether a failure of `outcome` may be sent again, by what is known of the call. */
export function verdict(outcome: Outcome, target: RetryTarget): RetryVerdict {
  if (outcome === 'never-reached') return { retry: true, reason: 'the request never reached the platform' };
  if (outcome === 'not-retryable') return { retry: false, reason: 'the failure is not transient' };
  const what = outcome === 'sent-no-answer' ? 'the request may have reached the platform and its answer was lost' : 'the platform answered that it could not do it now';
  if (target.mutualTls) return { retry: false, reason: `${what}, and an APIv2 call over mutual TLS (money moving) is only retried when it never reached the platform` };
  if (!isIdempotent(target.verb, target.route)) {
    return { retry: false, reason: `${what}, and ${target.verb.toUpperCase()} ${target.route} is not idempotent (its request carries no merchant idempotency number): sending it again could do it twice` };
  }
  return { retry: true, reason: what };
}

/**
 * The wait before retry number `retry` (1-based): full jitter, uniformly between 0 and
 * `minDelay * 2^(retry-1)` capped at `maxDelay`. `random` is for tests.
 */
export function backoff(retry: number, settings: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxDelay, settings.minDelay * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** The most a `Retry-After` may ask for, in milliseconds, whatever the deadline (an hour: beyond that it is an outage). */
const MAX_RETRY_AFTER = 3_600_000;

/**
 * Milliseconds a `Retry-After` header asks to wait (delay-seconds or an HTTP date), or undefined when it is
 * absent or unreadable. `now` is for tests.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER);
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER);
}

/**
 * The wait before the next attempt, or why there is none: the backoff, or the platform's `Retry-After` when it
 * asks for longer; refused when the wait would end past the call's deadline (`remaining` ms, Infinity: none).
 */
export function nextDelay(retry: number, settings: RetrySettings, retryAfter: number | undefined, remaining: number,
  random?: () => number): { delay: number } | { refused: string } {
  const delay = Math.max(backoff(retry, settings, random), retryAfter ?? 0);
  // An attempt needs some time of its own after the wait: one that could only time out is not made.
  if (delay >= remaining) {
    return { refused: retryAfter !== undefined && retryAfter >= remaining
      ? `the platform asked to wait ${retryAfter} ms (Retry-After), past the call's deadline`
      : 'the call\'s deadline leaves no time for another attempt' };
  }
  return { delay };
}
