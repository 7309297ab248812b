/**
 * `wechatpay-chain sandbox --forward-to <url>`: the sandbox delivers every notification (payments, refunds,
 * transfers) to that URL instead of the notify_url it names, and each attempt is printed as it happens.
 */
import type { Delivery, Sandbox } from '../sandbox/index.js';

/** `out_trade_no T1001`: what a notification is about. */
function about(delivery: Delivery): string {
  const subject = Object.entries(delivery.subject ?? {}).filter(([key]) => key !== 'sub_mchid');
  return subject.length ? ` (${subject.map(([key, value]) => `${key} ${value}`).join(', ')})` : '';
}

/** Prints each attempt of each notification once it is made; returns the function that stops printing. */
export function printDeliveries(sandbox: Sandbox, print: (line: string) => void = console.log): () => void {
  const shown = new Map<string, number>();
  return sandbox.subscribe((event) => {
    if (event.type !== 'state' || event.change.kind !== 'delivery') return;
    const { key } = event.change;
    const delivery = sandbox.notifications().find((item) => item.id === key);
    if (!delivery) return;
    const seen = shown.get(key) ?? 0;
    for (const attempt of delivery.attempts.slice(seen)) {
      const outcome = attempt.status === undefined ? `no answer: ${attempt.error ?? 'unknown'}` : `${attempt.status}${attempt.ok ? '' : ' (not 2xx)'}`;
      print(`notification ${delivery.event_type} ${delivery.id}${about(delivery)} -> ${delivery.url}: attempt ${attempt.n}: ${outcome} (${attempt.ms} ms)`
        + (delivery.state === 'pending' && delivery.next_at ? `; next attempt at ${delivery.next_at}` : delivery.state === 'failed' ? '; given up' : ''));
    }
    shown.set(key, delivery.attempts.length);
  });
}
