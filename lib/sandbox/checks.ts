/**
 * The checks of what is given to a sandbox from the outside, shared by its options, its methods and the
 * control API: one rule in one place, one message for it. A failed check throws `InputError`, which the
 * control API answers 400 (or the status it carries).
 */
import type { Settings } from './call.js';
import type { SignWith } from './sign.js';

export class InputError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'InputError';
  }
}

export function signWithOf(value: unknown): SignWith {
  if (value !== 'certificate' && value !== 'public-key') throw new InputError('signWith is "certificate" or "public-key"');
  return value;
}

export function refundsModeOf(value: unknown): Settings['refunds'] {
  if (value !== 'succeed' && value !== 'manual') throw new InputError('refunds is "succeed" or "manual"');
  return value;
}

/** The settings named in `changes`, checked (absent ones stay absent). */
export function settingsChanges(changes: Record<string, unknown>): Partial<Settings> {
  return {
    ...(changes['signWith'] === undefined ? {} : { signWith: signWithOf(changes['signWith']) }),
    ...(changes['refunds'] === undefined ? {} : { refunds: refundsModeOf(changes['refunds']) }),
  };
}

export function timeScaleOf(value: number | undefined): number {
  const scale = value ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new InputError(`timeScale is a number above 0, at most 1 (got ${String(value)})`);
  return scale;
}

export function notifyTimeoutOf(value: number | undefined, fallback: number): number {
  const timeout = value ?? fallback;
  if (!Number.isSafeInteger(timeout) || timeout < 1) throw new InputError('notifyTimeout is a whole number of milliseconds, 1 or more');
  return timeout;
}

/** A count of 1 or more (`what` names it in the message). */
export function countOf(value: unknown, what = 'count'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new InputError(`${what} must be a whole number, 1 or more`);
  return value;
}

/** A request body that must be a JSON object (an empty body is `{}`). */
export function jsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw new InputError('The body must be a JSON object');
}

export function requiredText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new InputError(`${name} is required (a string)`);
  return value;
}

/** `value` when it is a JSON object, else `{}` (how the API behaviours read a request body and its parts). */
export const objectOf = (value: unknown): Record<string, unknown> =>
  (typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {});

/** A non-empty string, or undefined. */
export const optionalText = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `{ sub_mchid }` when given, else `{}`. */
export const subMchidOf = (value: unknown): { sub_mchid?: string } => {
  const given = optionalText(value);
  return given === undefined ? {} : { sub_mchid: given };
};

/** A time: ISO 8601 text or milliseconds since the epoch; undefined when not given. */
export function timeOf(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new InputError(`${name} must be a time (ISO 8601 or milliseconds since the epoch)`);
  return date;
}
