/**
 * The behaviours: which endpoints answer from state rather than from their documented example, and the
 * control routes (`/__sandbox/...`) each brings. Every other endpoint answers its example (answers.ts);
 * so does any of these when its handler leaves the answer to it.
 *
 * A new behaviour is one module exporting its handlers (`'post v3/...': handler`) and/or its control
 * routes, and one line in BEHAVIOURS below.
 */
import type { Handler } from '../call.js';
import type { ControlRoute } from '../control.js';
import type { SandboxEndpoint } from '../data.js';
import { billBehaviours } from './bills.js';
import { certificateBehaviours } from './certificates.js';
import { clockRoutes } from './clock.js';
import { combineBehaviours, combineRoutes } from './combine.js';
import { couponBehaviours, couponRoutes } from './coupons.js';
import { mediaBehaviours, mediaRoutes, mediaUpload } from './media.js';
import { notifierRoutes } from './notifier.js';
import { orderBehaviours } from './orders.js';
import { payerRoutes } from './payer.js';
import { profitSharingBehaviours, profitSharingRoutes } from './profitsharing.js';
import { transferBehaviours, transferRoutes } from './transfers.js';

export interface Behaviour {
  /** Handlers by route: `method template` (`'post v3/pay/transactions/jsapi'`). */
  api?: Readonly<Record<string, Handler>>;
  /** Control routes under `/__sandbox/` (control.ts). */
  control?: readonly ControlRoute[];
}

const BEHAVIOURS: readonly Behaviour[] = [
  { api: couponBehaviours, control: couponRoutes },
  { api: orderBehaviours, control: payerRoutes },
  { api: certificateBehaviours },
  { api: billBehaviours },
  { api: mediaBehaviours, control: mediaRoutes },
  { control: notifierRoutes },
  { control: clockRoutes },
  { api: transferBehaviours, control: transferRoutes },
  { api: combineBehaviours, control: combineRoutes },
  { api: profitSharingBehaviours, control: profitSharingRoutes },
];

const BY_ROUTE: Readonly<Record<string, Handler>> = Object.assign({}, ...BEHAVIOURS.map((behaviour) => behaviour.api ?? {}));

/** The routes (`method template`) with a behaviour, uploads aside (every multipart endpoint is one). */
export const BEHAVIOUR_ROUTES: readonly string[] = Object.keys(BY_ROUTE).sort();

/** Every behaviour's control routes. */
export const BEHAVIOUR_CONTROL_ROUTES: readonly ControlRoute[] = BEHAVIOURS.flatMap((behaviour) => behaviour.control ?? []);

export function behaviourFor(endpoint: SandboxEndpoint): Handler | undefined {
  const handler = BY_ROUTE[`${endpoint.method} ${endpoint.template}`];
  if (handler) return handler;
  return endpoint.form?.some((part) => part.file) ? mediaUpload : undefined;
}
