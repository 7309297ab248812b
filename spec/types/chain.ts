/**
 * Type tests for the chain itself: the untyped escape hatch, dynamic segments, prefixes, and what must
 * not compile. `@ts-expect-error TSnnnn`: see spec/codegen/type-tests.slow.spec.ts.
 */
import type { LooseNode, Paths, WechatpayResponse } from '../../lib/types.js';

import type { Builder } from '../../lib/core/builder.js';
import { Notification } from '../../lib/helpers/notification.js';

declare const client: ReturnType<typeof Builder.factory>;
declare const orderId: string;
declare function expectType<T>(value: T): void;

export async function escapeHatch(): Promise<void> {
  // A route the data lacks: any string compiles, with loose options and response.
  const loose = client.chain('v3/not-yet-documented/{id}');
  expectType<LooseNode>(loose);
  const r = await loose.post({ id: '1', json: { anything: true }, headers: { 'X-A': '1' } });
  expectType<WechatpayResponse<unknown>>(r);
  await client.chain('v3/not-yet-documented').getAsync<{ total: number }>().then(({ data }) => expectType<number>(data.total));
  // ... the tagged template, whose values are encoded segments
  await client.chain`v3/pay/transactions/id/${orderId}`.get({ query: { mchid: '1230000109' } });
  // ... and its properties are loose too (index signatures: `!` under noUncheckedIndexedAccess)
  await client.chain('v3/not-yet-documented').deeper!._id_!.delete({ id: 1 });
  // the loose options still check the known option keys
  // @ts-expect-error TS2322
  await loose.post({ timeout: 'soon' });
}

export async function dynamicSegments(): Promise<void> {
  // A node whose only child is a variable takes the value directly; the options then drop the variable.
  const byId = client.v3.pay.transactions.id[orderId]!;
  const { data } = await byId.get({ query: { mchid: '1230000109' } });
  expectType<string | undefined>(data.trade_state_desc);
  await client.chain('v3/pay/transactions/id')[orderId]!.getAsync({ query: { mchid: '1230000109' } });
  // the variable is no longer an option
  // @ts-expect-error TS2353
  await byId.get({ transaction_id: orderId, query: { mchid: '1230000109' } });
  // the query is still checked
  // @ts-expect-error TS2345
  await byId.get({});
  // two levels: both values given in the path
  const member = client.v3.platsolution.ecommerce.rechargeEmployees.subMchid['1900000109']!.spOpenid['oUpF8u']!.delete;
  await member.post();
  // one given in the path, the other still a variable
  await client.v3.platsolution.ecommerce.rechargeEmployees.subMchid['1900000109']!.spOpenid._sp_openid_.delete.post({ sp_openid: 'oUpF8u' });
  // @ts-expect-error TS2345
  await client.v3.platsolution.ecommerce.rechargeEmployees.subMchid['1900000109']!.spOpenid._sp_openid_.delete.post({});
  // a node with literal children does not take values: typos there still fail
  // @ts-expect-error TS7053
  void client.v3.pay.transactions[orderId];
}

export function prefixes(): void {
  // Every prefix of a template is a node: `Paths` has it, and so do brackets and chain().
  expectType<Paths['v3/pay/transactions']>(client['v3/pay/transactions']);
  expectType<Paths['v3/pay/transactions']>(client.chain('v3/pay/transactions'));
  expectType<Paths['v3/pay/transactions']>(client.v3.pay.transactions);
  // a prefix without its own endpoint has no verbs
  // @ts-expect-error TS2339
  void client.v3.pay.transactions.get;
  // the root has no verbs either
  // @ts-expect-error TS2339
  void client.get;
  // a leading slash is not part of a template
  // @ts-expect-error TS2551|TS7053
  void client['/v3/pay/transactions'];
}

export async function notThenable(): Promise<void> {
  // A node is not a promise: awaiting it gives the node back, typed.
  const node = await client.v3.pay.transactions.jsapi;
  expectType<Paths['v3/pay/transactions/jsapi']>(node);
  // there is no `then` segment to post to
  // @ts-expect-error TS2339
  void client.v3.pay.transactions.jsapi.then;
}

export function clientMembers(): void {
  // Beside the chain, a client offers its helpers, typed.
  expectType<string>(client.encrypt('张三'));
  expectType<string>(client.decrypt('base64'));
  expectType<'RSA'>(client.payParams.jsapi('wx8888888888888888', 'wx201410272009395522657a690389285100').signType);
  expectType<'Sign=WXPay'>(client.payParams.app('wx8888888888888888', 'wx2014').package);
  expectType<string>(client.notification.parse({ headers: {}, body: '' }).event_type);
  client.setCerts({ PUB_KEY_ID_0112345678: 'file:///path/pub_key.pem' });
  // @ts-expect-error TS2353
  client.notification.parse({ headers: {}, body: { already: 'parsed' } });
  // @ts-expect-error TS2551
  client.encrypts('x');
}

export function notificationEvents(): void {
  const event = client.notification.parse({ headers: {}, body: '' });
  if (Notification.isEvent(event, 'TRANSACTION.SUCCESS')) {
    expectType<string | undefined>(event.resource.trade_state);
    expectType<number | undefined>(event.resource.amount?.total);
  }
  if (Notification.isEvent(event, 'REFUND.SUCCESS')) {
    expectType<'SUCCESS' | 'CLOSED' | 'ABNORMAL'>(event.resource.refund_status);
  }
  // @ts-expect-error TS2345
  Notification.isEvent(event, 'TRANSACTION.SUCCES');
}
