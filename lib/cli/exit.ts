/**
 * How the command line ends when something fails: the SDK's error code and message on stderr (SDK errors
 * carry no key material), nothing on stdout, and an exit code per kind of failure, so that scripts can
 * branch on it (docs/cli.md#exit-codes).
 */
import { CommanderError } from 'commander';
import { ApiError, BillError, ConfigError, KeyError, RequestError, SinkError, TemplateError, VerificationError, WechatpayError } from '../errors.js';

export const EXIT = {
  /** Anything else: a file that cannot be read or written, an unexpected failure. */
  failure: 1,
  /** Bad usage: an unknown option, a missing argument, JSON that does not parse, unusable settings or options. */
  usage: 2,
  /** The platform answered with an error status (`ApiError`). */
  api: 3,
  /** An answer (or a download) failed verification: it must not be trusted (`VerificationError`, a bill's hash). */
  verification: 4,
  /** The platform could not be reached, or the answer did not arrive in time (`RequestError`, a broken download). */
  transport: 5,
} as const;

/** A mistake in what was asked (exit code 2), with the message to show. */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
}

const TRANSPORT_CODES: ReadonlySet<string> = new Set(['EREQUEST_TRANSPORT', 'EREQUEST_TIMEOUT', 'EREQUEST_ABORTED', 'EREQUEST_ANSWER_TOO_LARGE', 'EREQUEST_BODY']);

/** The exit code for an error. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.usage;
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof KeyError || error instanceof TemplateError) return EXIT.usage;
  if (error instanceof ApiError) return EXIT.api;
  if (error instanceof VerificationError || (error instanceof BillError && (error.code === 'EBILL_HASH' || error.code === 'EBILL_GZIP'))) return EXIT.verification;
  if (error instanceof BillError && error.code === 'EBILL_DOWNLOAD') return EXIT.transport;
  if (error instanceof SinkError) return error.code === 'ESINK_STREAM' ? EXIT.transport : EXIT.failure;
  if (error instanceof RequestError) return TRANSPORT_CODES.has(error.code) ? EXIT.transport : EXIT.usage;
  return EXIT.failure;
}

/** `wechatpay-chain: <code>: <message>` for an SDK error; the message alone otherwise. */
export function describeError(error: unknown): string {
  if (error instanceof WechatpayError || error instanceof UsageError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
