import { Readable } from 'node:stream';
import { RequestError, type ExchangeFacts } from '../errors.js';

/** What an error of the deadline says about the call, read when it fires (the URL is known once prepared). */
export interface CallFacts {
  method: string;
  template: string;
  url?: string | undefined;
}

/** An axios CancelToken, as far as the deadline reads it. */
interface CancelTokenLike {
  subscribe(listener: (reason: unknown) => void): void;
  unsubscribe?(listener: (reason: unknown) => void): void;
}

/**
 * The end of one call: `timeout` milliseconds after it started, or when the caller's `signal` (or axios
 * `cancelToken`) fires, whichever comes first. {@link Deadline.race} settles the call then, whatever is still
 * pending (a stalled request body, a connection, an answer that drips), and {@link Deadline.signal} aborts the
 * work still under way; axios's adapter is ended through {@link Deadline.token}. A streamed download is bounded
 * until its headers, then per gap between chunks ({@link Deadline.settle}). The AbortSignal is made only when
 * something asks for it (a call that ends in time, over axios's http adapter, never does).
 */
export class Deadline {
  #controller: AbortController | undefined;
  #token: DeadlineToken | undefined;
  readonly #facts: CallFacts;
  readonly #timeout: number;
  #timer: NodeJS.Timeout | undefined;
  #ended: RequestError | undefined;
  /** A streamed answer was handed over: the caller's signal stays linked until the stream closes. */
  #streaming = false;
  #fail: ((error: RequestError) => void) | undefined;
  #unlink: Array<() => void> | undefined;

  constructor(timeout: number, facts: CallFacts, signal?: AbortSignal, cancelToken?: CancelTokenLike) {
    this.#timeout = timeout;
    this.#facts = facts;
    if (timeout > 0) this.#timer = setTimeout(expire, timeout, this);
    if (signal || cancelToken) this.#link(signal, cancelToken);
  }

  #link(signal: AbortSignal | undefined, cancelToken: CancelTokenLike | undefined): void {
    const unlink: Array<() => void> = this.#unlink = [];
    const aborted = (reason: unknown) => this.#end(new RequestError('EREQUEST_ABORTED',
      `${this.#what()}: ended by the caller's signal`, this.#errorFacts(), reason === undefined ? {} : { cause: reason }));
    if (signal) {
      if (signal.aborted) {
        aborted(signal.reason);
      } else {
        const onAbort = () => aborted(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        unlink.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
    if (cancelToken) {
      cancelToken.subscribe(aborted);
      unlink.push(() => cancelToken.unsubscribe?.(aborted));
    }
  }

  /** The timer fired. */
  expire(): void {
    this.#end(new RequestError('EREQUEST_TIMEOUT',
      `${this.#what()}: no complete answer within ${this.#timeout} ms (timeout, in milliseconds, bounds the whole call)`, this.#errorFacts()));
  }

  /** Aborts when the call ends early: give it to whatever does I/O for the call. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(this.#ended);
    }
    return this.#controller.signal;
  }

  /** Whether the call has ended early (the deadline's error is {@link reason}). */
  get aborted(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * The deadline as an axios `cancelToken`: axios's http adapter ends the request (the socket) when it fires,
   * as it would for a signal, with no AbortSignal made; `toAbortSignal()` gives one to an adapter that wants it.
   */
  get token(): DeadlineToken {
    return this.#token ??= new DeadlineToken(this);
  }

  /** The call's timeout in milliseconds (0: none). */
  get timeout(): number {
    return this.#timeout;
  }

  /** The URL the call goes to, once known: errors of the deadline name it. */
  set url(url: string) {
    this.#facts.url = url;
  }

  /** `work`, or the deadline's error if it comes first. */
  race<T>(work: () => Promise<T>): Promise<T> {
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<T>((resolve, reject) => {
      this.#fail = reject;
      work().then(resolve, reject);
    });
  }

  /** The deadline's error, when the call ended by it (a rejection of the work it aborted is then this one). */
  get reason(): RequestError | undefined {
    return this.#ended;
  }

  /**
   * The call's answer is in. A streamed body is given to the caller bounded per gap: `timeout` between two
   * chunks the caller asked for, and the caller's signal still ends it; everything else ends here.
   */
  settle<T extends { data: unknown }>(response: T): T {
    clearTimeout(this.#timer);
    if (response.data instanceof Readable && !this.#ended) {
      const stream = withIdleTimeout(response.data, this.#timeout, () => new RequestError('EREQUEST_TIMEOUT',
        `${this.#what()}: the download stalled: no data for ${this.#timeout} ms (timeout bounds each gap of a streamed download)`, this.#errorFacts()));
      stream.once('close', () => this.release());
      this.#streaming = true;
      response.data = stream;
      return response;
    }
    this.release();
    return response;
  }

  /** The call is over, however it ended: lets go of everything but a stream handed over by {@link settle}. */
  finish(): void {
    if (!this.#streaming) this.release();
  }

  /** Stops the clock and lets go of the caller's signal. */
  release(): void {
    clearTimeout(this.#timer);
    if (this.#unlink) for (const unlink of this.#unlink.splice(0)) unlink();
  }

  #end(error: RequestError): void {
    if (this.#ended) return;
    this.#ended = error;
    clearTimeout(this.#timer);
    this.#controller?.abort(error);
    this.#token?.cancel(error);
    this.#fail?.(error);
  }

  #what(): string {
    return `${this.#facts.method} ${this.#facts.url ?? this.#facts.template}`;
  }

  #errorFacts(): ExchangeFacts {
    return { method: this.#facts.method, url: this.#facts.url };
  }
}

function expire(deadline: Deadline): void {
  deadline.expire();
}

type TokenListener = (reason: unknown) => void;

/**
 * A {@link Deadline} in the shape of an axios `CancelToken` (what axios's adapters and `dispatchRequest` call on
 * one): `subscribe`, `unsubscribe`, `throwIfRequested`, `toAbortSignal`, `reason`.
 */
export class DeadlineToken {
  reason: RequestError | undefined;
  #listeners: TokenListener[] | undefined;
  readonly #deadline: Deadline;

  constructor(deadline: Deadline) {
    this.#deadline = deadline;
    this.reason = deadline.reason;
  }

  subscribe(listener: TokenListener): void {
    if (this.reason) {
      listener(this.reason);
      return;
    }
    (this.#listeners ??= []).push(listener);
  }

  unsubscribe(listener: TokenListener): void {
    const index = this.#listeners?.indexOf(listener) ?? -1;
    if (index !== -1) this.#listeners!.splice(index, 1);
  }

  throwIfRequested(): void {
    if (this.reason) throw this.reason;
  }

  toAbortSignal(): AbortSignal {
    return this.#deadline.signal;
  }

  /** The deadline ended the call. */
  cancel(error: RequestError): void {
    if (this.reason) return;
    this.reason = error;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener(error);
  }
}

/**
 * `source`, failing with `stalled()` when it has nothing for `ms` milliseconds while its reader waits for
 * data (a reader that takes its time does not count). 0: no bound.
 */
function withIdleTimeout(source: Readable, ms: number, stalled: () => Error): Readable {
  if (ms <= 0) return source;
  const chunks = source[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const guarded = new Readable({
    read() {
      timer = setTimeout(() => guarded.destroy(stalled()), ms);
      chunks.next().then(({ done, value }) => {
        clearTimeout(timer);
        if (!guarded.destroyed) guarded.push(done ? null : (value as Buffer));
      }, (error: unknown) => {
        clearTimeout(timer);
        guarded.destroy(error as Error);
      });
    },
    destroy(error, callback) {
      clearTimeout(timer);
      source.destroy();
      callback(error);
    },
  });
  return guarded;
}
