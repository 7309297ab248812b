/**
 * The business clock from outside (clock.ts is the clock itself):
 *
 *     GET    /__sandbox/clock                    {"now":"<RFC 3339, Beijing time>","offset_seconds":0,"real":"...","due":[...]}
 *     POST   /__sandbox/clock                    {"advance": <seconds>}: business time moves on; what is due on the way happens
 *
 * and what a restored state puts back on it (orders' `time_expire`, transfer bills' next step, profit
 * sharing not yet finished, the platform certificate's renewal; pending notifications are put back by
 * deliveries.ts).
 */
import type { Runtime } from '../call.js';
import { InputError } from '../checks.js';
import type { ControlRoute } from '../control.js';
import { rfc3339 } from '../ids.js';
import { platformCertificates } from '../platform-certificates.js';
import { scheduleExpiry } from './orders.js';
import { resumeSharing } from './profitsharing.js';
import { scheduleTransfer } from './transfers.js';

export interface ClockView {
  /** Business time, RFC 3339 in Beijing time (as the platform writes times). */
  now: string;
  /** How far it is ahead of real time. */
  offset_seconds: number;
  /** Real time (what request timestamps and signatures use). */
  real: string;
  /** What is due on it, earliest first. */
  due: Array<{ key: string; at: string }>;
}

export function clockView(runtime: Runtime): ClockView {
  const { clock } = runtime.state;
  return { now: rfc3339(clock.date()), offset_seconds: Math.round(clock.offsetMs / 1000), real: rfc3339(new Date()), due: clock.pending() };
}

/** Moves business time `seconds` ahead; resolves once everything due on the way has happened. */
export async function advanceClock(runtime: Runtime, seconds: number): Promise<ClockView> {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new InputError('advance is a number of seconds, 0 or more');
  await runtime.state.clock.advance(seconds);
  runtime.state.flush();
  return clockView(runtime);
}

/** How long before the newest platform certificate expires (business time) the sandbox issues the next. */
export const RENEW_BEFORE_SECONDS = 30 * 24 * 3600;
const CERTIFICATE_YEARS_MS = 5 * 365 * 24 * 3600 * 1000;

/**
 * The platform certificate approaching expiry: when business time comes within RENEW_BEFORE_SECONDS of
 * the newest certificate's end, a new one is issued (listed by `v3/certificates` at once, signing from
 * then), as the platform replaces its certificates before they expire. Its validity starts in real time
 * (clients check it against their own clock) and lasts five years of business time.
 */
export function scheduleCertificateRenewal(runtime: Runtime): void {
  const lifecycle = platformCertificates(runtime.identity);
  const newest = lifecycle.view().certificates.at(-1);
  if (!newest) return;
  runtime.state.clock.schedule('certificate-renewal', Date.parse(newest.validTo) - RENEW_BEFORE_SECONDS * 1000, async () => {
    if (!lifecycle.publicKeyOnly) await lifecycle.rotate({ notAfter: new Date(runtime.state.clock.now() + CERTIFICATE_YEARS_MS) });
    scheduleCertificateRenewal(runtime);
  });
}

/** Puts what the restored records are waiting for back on the clock (and the certificate renewal). */
export function resumeClock(runtime: Runtime): void {
  scheduleCertificateRenewal(runtime);
  for (const [key, order] of runtime.state.orders) if (order.trade_state === 'NOTPAY') scheduleExpiry(runtime, key, order);
  for (const [key, bill] of runtime.state.transfers) scheduleTransfer(runtime, key, bill);
  resumeSharing(runtime);
}

export const clockRoutes: readonly ControlRoute[] = [
  { method: 'GET', path: 'clock', summary: 'business time (RFC 3339), its offset, what is due', handle: ({ parts }) => clockView(parts.runtime) },
  {
    method: 'POST', path: 'clock', summary: '{"advance":<seconds>}: move business time on',
    handle: ({ parts, input }) => advanceClock(parts.runtime, input()['advance'] as number),
  },
];
