/**
 * The wall clock moved ahead instead of a sleep. `clockAhead(ms)` makes `Date` (and `Date.now()`) read `ms` later,
 * still running from there; timers, `performance.now()`, sockets and the event loop keep real time. What reads
 * the wall clock (certificate validity, rate-limit windows, when the sandbox switches to an announced key, the
 * timestamps of requests and answers, both sides in this process) sees the later time at once. A spec that uses
 * it restores the clock with `realClock()` in an afterEach.
 */
type ModernFakeTimers = Extract<NonNullable<Parameters<typeof jest.useFakeTimers>[0]>, { doNotFake?: unknown }>;
const REAL: ModernFakeTimers['doNotFake'] = [
  'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame',
  'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval',
  'setTimeout', 'clearTimeout',
];

export function clockAhead(ms: number): void {
  jest.useFakeTimers({ doNotFake: REAL, now: Date.now() + Math.max(0, ms), advanceTimers: true });
}

export function realClock(): void {
  jest.useRealTimers();
}
