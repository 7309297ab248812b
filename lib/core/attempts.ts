/**
 * The attempts of one call (docs/resilience.md): the first on the host the client prefers, the next ones
 * where and when the retry policy says (core/retry.ts), all within the call's one deadline. Each attempt is
 * recorded (`attempts` on the response and on the error the call ends with) and, when a tracer records the
 * call, is an event of its span (core/telemetry.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, WechatpayError, type Attempt } from '../errors.js';
import { headerOf, type HeaderBag } from '../util/headers.js';
import { BACKUP, PRIMARY, type HostChoice, type HostSelector } from './hosts.js';
import { classify, nextDelay, parseRetryAfter, verdict, type RetrySettings, type RetryTarget } from './retry.js';
import type { CallSpan } from './telemetry.js';

/** What a `beforeRetry` hook is told of the retry about to be made. */
export interface RetryInfo {
  /** The number of the attempt about to be made (2 for the first retry). */
  readonly attempt: number;
  /** Milliseconds it waits first. */
  readonly delay: number;
  /** Where it goes (the backup host after a failed connect to the primary). */
  readonly url: string;
  /** Why the failure is retried (`the request never reached the platform`, ...). */
  readonly reason: string;
  /** The attempts made so far. */
  readonly attempts: readonly Attempt[];
}

/** What the loop needs of the call. */
export interface AttemptPlan {
  readonly target: RetryTarget;
  readonly retry: RetrySettings;
  readonly hosts: HostSelector;
  readonly span: CallSpan | undefined;
  /** Where the attempts are recorded, one entry per attempt as it ends (the caller's: an error of the deadline gets them too). */
  readonly attempts: Attempt[];
  /** Milliseconds left before the call's deadline (Infinity: none). */
  remaining(): number;
  /** Aborts when the call ends early (the deadline, the caller's signal): a wait between attempts ends with it. */
  readonly signal: AbortSignal;
  /** Whether the request can be sent again once sent (a stream body read by the first attempt cannot). */
  replayable(): boolean;
  /** The caller's `beforeRetry` hooks; a throw cancels the retry. */
  beforeRetry(error: WechatpayError, retry: RetryInfo): Promise<void>;
}

/** What one attempt's answer says of itself: enough for its {@link Attempt} record. */
export interface AnswerLike {
  readonly status: number;
  readonly headers: HeaderBag;
}

/**
 * Runs `send` (one attempt: sign, send, receive, verify) at `url`, again as the policy allows, and returns the
 * first answer with the record of every attempt; or throws the last failure, carrying the records and, when it
 * might have been transient, why it was not tried again (`notRetried`).
 */
export async function withAttempts<T extends AnswerLike>(plan: AttemptPlan, url: string, send: (url: string, index: number) => Promise<T>):
Promise<{ response: T; attempts: Attempt[] }> {
  const { attempts } = plan;
  const backupURL = plan.hosts.onBackup(url);
  let choice: HostChoice = backupURL === undefined ? PRIMARY : plan.hosts.first();
  for (let index = 0; ; index++) {
    const target = choice.backup ? backupURL! : url;
    const started = performance.now();
    let failure: WechatpayError;
    try {
      const response = await send(target, index);
      const record = answered(target, response.status, headerOf(response.headers, 'request-id'), started);
      attempts.push(record);
      plan.span?.attempt(index, record);
      if (backupURL !== undefined) plan.hosts.reached(choice);
      return { response, attempts };
    } catch (error) {
      if (!(error instanceof WechatpayError)) throw error;
      failure = error;
    }
    const record = failed(target, failure, started);
    attempts.push(record);
    plan.span?.attempt(index, record, record.code);
    const outcome = classify(failure);
    if (backupURL !== undefined) {
      if (outcome === 'never-reached') plan.hosts.unreachable(choice);
      else if (!plan.signal.aborted) plan.hosts.reached(choice);
      else plan.hosts.abandoned(choice);
    }
    const stop = (reason: string | undefined, retried = false): never => {
      failure.attempts = attempts;
      if (reason !== undefined) {
        failure.notRetried = reason;
        failure.message += retried ? ` (after ${attempts.length} attempts)` : ` (not retried: ${reason})`;
      }
      throw failure;
    };
    if (plan.signal.aborted) stop(undefined);
    const policy = verdict(outcome, plan.target);
    if (!policy.retry) stop(outcome === 'not-retryable' ? undefined : policy.reason);
    if (index >= plan.retry.retries) {
      if (plan.retry.retries === 0) stop(`retries are off for this call (retry: false): ${policy.reason}`);
      stop(`${policy.reason}, and all ${attempts.length} attempts failed`, true);
    }
    if (!plan.replayable()) stop(`${policy.reason}, but its body is a stream the first attempt read: it cannot be sent again`);
    // A host that could not be reached is left at once for the other one; the same host is given time.
    const switching = outcome === 'never-reached' && backupURL !== undefined;
    const next: HostChoice = switching ? (choice.backup ? PRIMARY : BACKUP) : choice;
    const retryAfter = failure instanceof ApiError ? parseRetryAfter(headerOf(failure.headers, 'retry-after')) : undefined;
    const wait = switching ? { delay: 0 } : nextDelay(index + 1, plan.retry, retryAfter, plan.remaining());
    if ('refused' in wait) stop(`${policy.reason}, but ${wait.refused}`);
    const { delay } = wait as { delay: number };
    try {
      await plan.beforeRetry(failure, { attempt: index + 2, delay, url: next.backup ? backupURL! : url, reason: policy.reason, attempts: [...attempts] });
    } catch (error) {
      if (error instanceof WechatpayError && error !== failure) {
        error.attempts = attempts;
        throw error;
      }
      stop(`a beforeRetry hook cancelled the retry: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (delay > 0) await sleep(delay, undefined, { signal: plan.signal }).catch(() => undefined);
    if (plan.signal.aborted) stop(undefined);
    choice = next;
  }
}

function answered(url: string, status: number, requestId: string | undefined, started: number): Attempt {
  const ms = Math.round(performance.now() - started);
  return requestId === undefined ? { url, status, ms } : { url, status, requestId, ms };
}

/** The record of a failed attempt: the platform's status, code and request id, or the socket's error code. */
function failed(url: string, error: WechatpayError, started: number): Attempt {
  const facts = error as WechatpayError & { status?: number; requestId?: string };
  const cause = error.cause as { code?: unknown } | undefined;
  const code = error instanceof ApiError || typeof cause?.code !== 'string' ? error.code : cause.code;
  const ms = Math.round(performance.now() - started);
  return {
    url,
    ...(typeof facts.status === 'number' ? { status: facts.status } : {}),
    code,
    ...(typeof facts.requestId === 'string' ? { requestId: facts.requestId } : {}),
    ms,
  };
}
