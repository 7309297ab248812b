/**
 * Fault injection: the next N API requests (those matching a path, if given) are answered wrongly on
 * purpose, so that tests can see their client refuse a tampered answer or survive a failing platform.
 *
 * - `bad-signature`   the signature does not verify (APIv2: a wrong `sign`)
 * - `stale-timestamp` signed correctly, with a `Wechatpay-Timestamp` ten minutes old (APIv3 only)
 * - `unknown-serial`  signed correctly, naming a serial the client does not know (APIv3 only)
 * - `probe-signature` a `WECHATPAY/SIGNTEST/...` probe, as the platform sends to test verifiers (APIv3 only)
 * - `server-error`    HTTP 500 `SYSTEM_ERROR`
 * - `{ delay: ms }`   the right answer, late
 * - `rate-limited`    HTTP 429 `FREQUENCY_LIMITED` with `Retry-After: 1`
 * - `drop`            the connection is closed without an answer, before the request is handled
 * - `reset-after-processing`  the request is handled (an order is created), then the connection is reset
 *                     without an answer: the platform did the work and the answer was lost
 *
 * `sandbox.unreachable(ms)` refuses connections for a while, and `startSandbox({ backupOf })` starts a backup
 * host of another sandbox (docs/resilience.md).
 *
 * Faults that spoil a signature have no effect on answers that carry none (file downloads, APIv2
 * downloads); they are used up all the same.
 *
 * Control API: `GET /__sandbox/faults` (pending), `POST /__sandbox/faults` {"fault":...,"count":2,"match":"/v3/pay/"},
 * `DELETE /__sandbox/faults` (clear).
 */
import { countOf, InputError, optionalText } from './checks.js';
import { reply, type ControlRoute } from './control.js';

export type Fault =
  | 'bad-signature'
  | 'stale-timestamp'
  | 'unknown-serial'
  | 'probe-signature'
  | 'server-error'
  | 'rate-limited'
  | 'drop'
  | 'reset-after-processing'
  | { delay: number };

export const FAULT_NAMES = [
  'bad-signature', 'stale-timestamp', 'unknown-serial', 'probe-signature', 'server-error', 'rate-limited', 'drop', 'reset-after-processing',
] as const;

export interface PendingFault {
  fault: Fault;
  /** Requests left. */
  remaining: number;
  /** Only requests whose path (without the query) contains this text, or matches this expression. */
  match?: string | RegExp;
}

/** Checks a fault given from the outside (the control API). */
export function parseFault(value: unknown): Fault {
  if (typeof value === 'string' && (FAULT_NAMES as readonly string[]).includes(value)) return value as Fault;
  if (typeof value === 'object' && value !== null && 'delay' in value) {
    const delay = Number((value as { delay: unknown }).delay);
    if (Number.isFinite(delay) && delay >= 0 && delay <= 600_000) return { delay };
  }
  throw new InputError(`a fault is one of ${FAULT_NAMES.join(', ')} or { delay: ms } (up to 600000)`);
}

export class Faults {
  readonly #queue: PendingFault[] = [];
  /** Told whenever the pending faults change. */
  onChange: (() => void) | undefined;

  /** Answers the next `count` requests (matching `match`, if given) with `fault`. */
  inject(fault: Fault, count = 1, match?: string | RegExp): void {
    const checked = parseFault(fault);
    countOf(count);
    this.#queue.push({ fault: checked, remaining: count, ...(match === undefined ? {} : { match }) });
    this.onChange?.();
  }

  /** Removes every pending fault. */
  clear(): void {
    this.#queue.length = 0;
    this.onChange?.();
  }

  /** The faults still pending, in the order they apply. */
  get pending(): PendingFault[] {
    return this.#queue.map((entry) => ({ ...entry }));
  }

  /** The fault for a request to `path`, used up; undefined when none applies. */
  take(path: string): Fault | undefined {
    const index = this.#queue.findIndex(({ match }) =>
      match === undefined || (typeof match === 'string' ? path.includes(match) : match.test(path)));
    if (index === -1) return undefined;
    const entry = this.#queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    this.onChange?.();
    return entry.fault;
  }
}

export const faultRoutes: readonly ControlRoute[] = [
  { method: 'GET', path: 'faults', summary: 'pending faults', handle: ({ parts }) => parts.faults.pending },
  {
    method: 'POST', path: 'faults', summary: '{"fault":"bad-signature","count":2,"match":"/v3/pay/"}',
    handle: ({ parts, input }) => {
      const { fault, count = 1, match } = input();
      parts.faults.inject(parseFault(fault), countOf(count), optionalText(match));
      return reply(201, parts.faults.pending);
    },
  },
  {
    method: 'DELETE', path: 'faults', summary: 'clear the pending faults',
    handle: ({ parts }) => {
      parts.faults.clear();
      return [];
    },
  },
  {
    method: 'POST', path: 'unreachable', summary: '{"ms":5000}: refuse connections for that long (from just after this answer)',
    handle: ({ sandbox, input }) => {
      const ms = Number(input()['ms']);
      if (!Number.isSafeInteger(ms) || ms < 1 || ms > 600_000) throw new InputError('ms must be a whole number of milliseconds from 1 to 600000');
      // After this answer has left: closing the port drops the connections, this one included.
      setTimeout(() => void sandbox.unreachable(ms), 20);
      return reply(202, { unreachableFor: ms });
    },
  },
];
