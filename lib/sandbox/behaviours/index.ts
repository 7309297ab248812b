/**
 * Which endpoints answer from state rather than from their documented example. Every other endpoint
 * answers its example (answers.ts); so does any of these when its handler leaves the answer to it.
 */
import type { Handler } from '../call.js';
import type { SandboxEndpoint } from '../data.js';
import { billBehaviours } from './bills.js';
import { certificateBehaviours } from './certificates.js';
import { couponBehaviours } from './coupons.js';
import { mediaBehaviours, mediaUpload } from './media.js';
import { orderBehaviours } from './orders.js';

const BY_ROUTE: Readonly<Record<string, Handler>> = {
  ...couponBehaviours,
  ...orderBehaviours,
  ...certificateBehaviours,
  ...billBehaviours,
  ...mediaBehaviours,
};

/** The routes (`method template`) with a behaviour, uploads aside (every multipart endpoint is one). */
export const BEHAVIOUR_ROUTES: readonly string[] = Object.keys(BY_ROUTE).sort();

export function behaviourFor(endpoint: SandboxEndpoint): Handler | undefined {
  const handler = BY_ROUTE[`${endpoint.method} ${endpoint.template}`];
  if (handler) return handler;
  return endpoint.form?.some((part) => part.file) ? mediaUpload : undefined;
}
