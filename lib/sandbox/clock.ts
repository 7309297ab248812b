/**
 * The sandbox's business clock, and what is due on it.
 *
 * Business time is real time plus an offset that only grows (`advance(seconds)`, the control API's
 * `POST /__sandbox/clock`). It is the time of the platform's records: order and refund times, an order's
 * `time_expire`, a transfer's confirmation window, a notification's next retry. The protocol keeps real
 * time: request timestamps are checked and answers signed against the machine's clock, so a client keeps
 * working after any advance.
 *
 * Things due at a business time are scheduled here by key (a second schedule of a key replaces the
 * first). They run when real time reaches them (one timer, for the earliest) or when an advance passes
 * them: an advance steps through every due item in time order, the clock standing at each item's time
 * while it runs, so advancing a day delivers every retry a day holds, each at its own time.
 */

type Due = () => void | Promise<void>;

interface Item {
  at: number;
  run: Due;
}

/** setTimeout's largest delay (about 24.8 days); a later item is looked at again then. */
const LONGEST_WAIT = 2 ** 31 - 1;

export class SandboxClock {
  #offset = 0;
  readonly #items = new Map<string, Item>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #closed = false;
  /** Told when the offset changes (the state journals it). */
  onAdvance: ((offsetMs: number) => void) | undefined;

  /** Business time, in milliseconds since the epoch. */
  now(): number {
    return Date.now() + this.#offset;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** How far business time is ahead of real time, in milliseconds. */
  get offsetMs(): number {
    return this.#offset;
  }

  /** Sets the offset as restored from the state (no items run). */
  restore(offsetMs: number): void {
    this.#offset = Math.max(0, offsetMs);
  }

  /** Runs `run` once business time reaches `at` (ms); replaces what `key` had. */
  schedule(key: string, at: number, run: Due): void {
    this.#items.set(key, { at, run });
    this.#arm();
  }

  cancel(key: string): void {
    if (this.#items.delete(key)) this.#arm();
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** When each item is due (ISO 8601), earliest first: what the console and `GET /__sandbox/clock` show. */
  pending(): Array<{ key: string; at: string }> {
    return [...this.#items].sort(([, a], [, b]) => a.at - b.at).map(([key, item]) => ({ key, at: new Date(item.at).toISOString() }));
  }

  /**
   * Moves business time `seconds` ahead, running every item due on the way, each at its own time;
   * resolves once they have run (a notification's attempt included).
   */
  advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) return Promise.reject(new Error('advance is a number of seconds, 0 or more'));
    const run = this.#running.then(async () => {
      const target = this.now() + seconds * 1000;
      for (;;) {
        const next = this.#earliest();
        if (!next || next[1].at > target) break;
        this.#moveTo(next[1].at);
        await this.#run(next[0], next[1]);
      }
      this.#moveTo(target);
      this.#arm();
    });
    this.#running = run.catch(() => undefined);
    return run;
  }

  /** Back to real time, nothing scheduled (a reset). */
  reset(): void {
    this.#items.clear();
    this.#offset = 0;
    this.onAdvance?.(0);
    this.#arm();
  }

  /** Stops the timer; nothing runs after this. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #moveTo(at: number): void {
    const offset = at - Date.now();
    if (offset > this.#offset) {
      this.#offset = offset;
      this.onAdvance?.(offset);
    }
  }

  #earliest(): [string, Item] | undefined {
    let found: [string, Item] | undefined;
    for (const entry of this.#items) if (!found || entry[1].at < found[1].at) found = entry;
    return found;
  }

  async #run(key: string, item: Item): Promise<void> {
    // Only the item as scheduled runs; one rescheduled meanwhile waits for its new time.
    if (this.#items.get(key) !== item) return;
    this.#items.delete(key);
    try {
      await item.run();
    } catch {
      // an item's failure is its own (it records what it needs to)
    }
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    const next = this.#earliest();
    if (!next) return;
    const wait = Math.min(Math.max(0, next[1].at - this.now()), LONGEST_WAIT);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#running.then(() => {
        // In real time, what is due runs side by side (a notify_url slow to answer holds up nothing else);
        // an advance, which steps through time, runs one item after the other.
        const now = this.now();
        for (;;) {
          const due = this.#earliest();
          if (!due || due[1].at > now) break;
          void this.#run(due[0], due[1]);
        }
        this.#arm();
      });
    }, wait);
    this.#timer.unref?.();
  }
}
