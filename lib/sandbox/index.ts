/**
 * `wechatpay-chain/sandbox`: a local WeChat Pay platform for tests, demos and examples.
 *
 * ```ts
 * import { startSandbox } from 'wechatpay-chain/sandbox';
 * import { Builder } from 'wechatpay-chain';
 *
 * const sandbox = await startSandbox();               // 127.0.0.1, a free port, keys in a temporary folder
 * const client = Builder.factory(sandbox.config);     // sandbox.json: exactly what Builder.factory takes
 * const { data } = await client.v3.pay.transactions.native.post({ json: { ... } });
 * await sandbox.close();
 * ```
 *
 * Every request is checked as the platform checks it (signature, merchant, serial, clock, schema);
 * answers are signed with the platform's key. See docs/sandbox.md.
 */
import { RunningSandbox } from './sandbox.js';
import type { Sandbox, SandboxOptions } from './types.js';

export type { SandboxConfig } from './identity.js';
export type { Fault, PendingFault } from './faults.js';
export type { ConnectionLimits, LoggedMessage, RequestRecord } from './server.js';
export { CONNECTION_LIMITS } from './server.js';
export type { SignWith } from './sign.js';
export type { NotificationInput, NotificationResult, Settings } from './call.js';
export type { Verdict, CheckRule } from './auth.js';
export type { Delivery, DeliveryAttempt, RefundStatus } from './state.js';
export { RETRY_SCHEDULE } from './deliveries.js';
export type { SandboxCertificates } from './certificate-control.js';
export type { CertificatesView, RotateOptions } from './platform-certificates.js';
export type { NotifyV2Options } from './behaviours/notifications-v2.js';
export type { ClockView } from './behaviours/clock.js';
export type { ConfirmOptions } from './behaviours/transfers.js';
export type { TransferState } from './state.js';
export type { CouponStockView, NotificationSubject, NotifyOptions, PayOptions, PayResult, Sandbox, SandboxEvent, SandboxOptions } from './types.js';

/** Starts a sandbox; resolves once it listens and `sandbox.json` is written. */
export function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return RunningSandbox.start(options);
}
