/**
 * Admission of the toolkit's jobs to libuv's thread pool (node:crypto's callback forms run there): at most twice
 * as many at once as the pool has threads, later ones wait their turn in order. Each thread still finds its next
 * job waiting, while `fs`, `dns.lookup` and `zlib` work queued behind waits for at most one job per thread, and the
 * event loop takes the completions in small batches instead of dozens per turn (bench/throughput.ts measured the
 * event-loop delay at 64 calls in flight: ~30 ms with every job queued at once, under 10 ms with this bound).
 */

/** libuv's pool size: `UV_THREADPOOL_SIZE` as libuv reads it (1 to 1024), else its default of 4. */
function poolThreads(): number {
  const given = Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '', 10);
  return Number.isInteger(given) && given > 0 ? Math.min(given, 1024) : 4;
}

export const THREAD_POOL_ADMISSIONS = 2 * poolThreads();

let admitted = 0;
const waiting: Array<{ run(): void }> = [];

/** Runs `start` (which hands `done` to a node:crypto callback form) once admitted; resolves with its result. */
export function onThreadPool<T>(start: (done: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const job = new PoolJob(start, resolve, reject);
    if (admitted < THREAD_POOL_ADMISSIONS) job.run();
    else waiting.push(job);
  });
}

/** One job, admitted now or later (a class: two of these run on every call's path, and closures cost more). */
class PoolJob<T> {
  constructor(
    readonly start: (done: (error: Error | null, value: T) => void) => void,
    readonly resolve: (value: T) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  run(): void {
    admitted += 1;
    try {
      this.start((error, value) => {
        release();
        if (error) this.reject(error);
        else this.resolve(value);
      });
    } catch (error) {
      release();
      this.reject(error);
    }
  }
}

function release(): void {
  admitted -= 1;
  waiting.shift()?.run();
}
