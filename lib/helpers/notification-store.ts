/**
 * Where a notification handler records which notification ids it has handled, so that each id runs its
 * handler at most once to success (the platform redelivers for about 24 h, and may deliver one id to
 * several processes at once).
 *
 * The protocol a handler follows for one verified and decrypted notification (never before: a forged copy
 * must not use up a genuine id):
 *
 * 1. `claim(key, owner, leaseMs)`:
 *    - `'claimed'`: this delivery runs the handler. The claim is a lease: if the process dies, it lapses
 *      after `leaseMs` and the id is free again.
 *      Then, on success, `complete(key, ttlMs)` (ttlMs at least 25 h) and answer 2xx; on failure
 *      `release(key, owner)` and answer 5xx, so that the platform's redelivery runs it again.
 *    - `'done'`: handled before; answer 2xx without running anything.
 *    - `'busy'`: another delivery (in this process or another) holds the lease. Wait for its outcome:
 *      poll `state(key)` (or await `settled(key, ...)` where the store offers it) until it is `'done'`
 *      (answer 2xx, as that delivery did) or `'free'` (it failed or its lease lapsed: answer 5xx, as it
 *      did, and let the platform redeliver), or until a bound passes (answer 5xx).
 *
 * `owner` is a random token per delivery: `release` frees the id only while that owner holds it, so a
 * delivery whose lease lapsed (a slow handler) cannot free a newer delivery's claim. `complete` records
 * success whoever holds the id: the handler did succeed.
 *
 * A shared store (Redis and the like) implements these as atomic operations: `claim` as
 * `SET key owner NX PX leaseMs` (answering `'done'` or `'busy'` by the value found), `complete` as
 * `SET key done PX ttlMs`, `release` as a compare-and-delete on `owner`, `state` as a `GET`.
 */
export type NotificationClaim = 'claimed' | 'done' | 'busy';

/** What a store knows of an id: handled (`done`), being handled under a lease (`busy`), or neither (`free`). */
export type NotificationState = 'done' | 'busy' | 'free';

export interface NotificationStore {
  /** Takes `key` for `owner` for `leaseMs` milliseconds if it is free (atomically). */
  claim(key: string, owner: string, leaseMs: number): Promise<NotificationClaim>;
  /** Records `key` as handled for `ttlMs` milliseconds (replacing any lease). */
  complete(key: string, ttlMs: number): Promise<void>;
  /** Frees `key` if `owner` still holds its lease; nothing otherwise. */
  release(key: string, owner: string): Promise<void>;
  /** What the store knows of `key` now. */
  state(key: string): Promise<NotificationState>;
  /**
   * Optional: resolves once `key` is no longer `busy`, or after `timeoutMs` (with `'busy'`), without
   * polling. A handler without it polls `state`.
   */
  settled?(key: string, timeoutMs: number): Promise<NotificationState>;
}

/** The least time a handled id is remembered: the platform retries for about 24 hours. */
export const MIN_NOTIFICATION_TTL_MS = 25 * 60 * 60 * 1000;

export interface MemoryNotificationStoreOptions {
  /** The most ids kept (default 100,000); beyond it the oldest handled ids are forgotten first. */
  maxEntries?: number;
  /** The clock, in milliseconds (default `Date.now`). */
  now?: () => number;
}

interface Entry {
  state: 'done' | 'busy';
  owner: string;
  expires: number;
}

/**
 * The default store: this process only, bounded. Beyond `maxEntries` ids it forgets the oldest (expired
 * first, then handled ones), so a flood of distinct ids cannot exhaust memory; a fleet of processes
 * shares a store such as Redis instead.
 */
export class MemoryNotificationStore implements NotificationStore {
  readonly #entries = new Map<string, Entry>();
  readonly #waiters = new Map<string, Set<(state: NotificationState) => void>>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryNotificationStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('MemoryNotificationStore: maxEntries must be a positive integer');
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** The ids held now (leases and handled ones, expired ones not yet swept included). */
  get size(): number {
    return this.#entries.size;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<NotificationClaim> {
    const found = this.#live(key);
    if (found) return found.state;
    this.#set(key, { state: 'busy', owner, expires: this.#now() + leaseMs });
    return 'claimed';
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    this.#set(key, { state: 'done', owner: '', expires: this.#now() + ttlMs });
    this.#wake(key, 'done');
  }

  async release(key: string, owner: string): Promise<void> {
    const found = this.#live(key);
    if (found?.state !== 'busy' || found.owner !== owner) return;
    this.#entries.delete(key);
    this.#wake(key, 'free');
  }

  async state(key: string): Promise<NotificationState> {
    return this.#live(key)?.state ?? 'free';
  }

  settled(key: string, timeoutMs: number): Promise<NotificationState> {
    const found = this.#live(key);
    if (found?.state !== 'busy') return Promise.resolve(found?.state ?? 'free');
    // A lease that lapses wakes nobody: wait no longer than it has left.
    const wait = Math.max(0, Math.min(timeoutMs, found.expires - this.#now()));
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set();
      this.#waiters.set(key, waiters);
      const done = (state: NotificationState) => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(key);
        resolve(state);
      };
      const timer = setTimeout(() => done(this.#live(key)?.state ?? 'free'), wait);
      timer.unref?.();
      waiters.add(done);
    });
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #set(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries) this.#evict();
  }

  /** Forgets the oldest handled (or expired) id; the oldest lease only if every id is a lease. */
  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.state === 'done' || entry.expires <= now) {
        this.#entries.delete(key);
        return;
      }
    }
    const [oldest] = this.#entries.keys();
    if (oldest === undefined) return;
    this.#entries.delete(oldest);
    this.#wake(oldest, 'free');
  }

  #wake(key: string, state: NotificationState): void {
    for (const waiter of [...(this.#waiters.get(key) ?? [])]) waiter(state);
  }
}
