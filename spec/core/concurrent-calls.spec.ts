/**
 * Calls made at once from one client: the RSA work of overlapping calls runs on the thread pool (core/transport.ts),
 * so each call's signature and verification must stay its own while the others' are in progress.
 */
import { Builder } from '../../lib/core/builder.js';
import { VerificationError } from '../../lib/errors.js';
import { type CapturedRequest, MCHID, MERCHANT_SERIAL, usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform();
const CALLS = 24;

/** Answers only once all `count` requests have arrived: every call is in flight before any is answered. */
function answerTogether(count: number, answer: (request: CapturedRequest, order: string) => object): void {
  let arrived = 0;
  let release!: () => void;
  const together = new Promise<void>((resolve) => (release = resolve));
  // A call that never arrives (refused before sending) fails the test by its assertions, not by a timeout.
  setTimeout(() => release(), 3000).unref();
  platform.respond = async (request) => {
    arrived += 1;
    if (arrived === count) release();
    await together;
    const order = (JSON.parse(request.body.toString()) as { out_trade_no: string }).out_trade_no;
    return { body: JSON.stringify({ code_url: `weixin://wxpay/bizpayurl?pr=${order}` }), ...answer(request, order) };
  };
}

const orders = Array.from({ length: CALLS }, (_, index) => `ORDER${String(index).padStart(3, '0')}`);

describe('calls made at once from one client', () => {
  it('are each signed over their own bytes with their own nonce and timestamp, and each answer verifies', async () => {
    answerTogether(CALLS, () => ({}));
    const client: AnyClient = Builder.factory(platform.config());
    const before = platform.requests.length;
    const answers = await Promise.all(orders.map((order) =>
      client.v3.pay.transactions.native.post({ json: { mchid: MCHID, out_trade_no: order, amount: { total: 1 } } })));

    expect(answers.map((answer: { data: { code_url: string } }) => answer.data.code_url)).toEqual(orders.map((order) => `weixin://wxpay/bizpayurl?pr=${order}`));
    const requests = platform.requests.slice(before);
    expect(requests.map((request) => JSON.parse(request.body.toString()).out_trade_no).sort()).toEqual(orders);
    for (const request of requests) {
      expect(request.authorized).toBe(true);
      expect(request.authorization).toMatchObject({ mchid: MCHID, serial_no: MERCHANT_SERIAL });
      expect(Math.abs(Number(request.authorization['timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    }
    expect(new Set(requests.map((request) => request.authorization['nonce_str'])).size).toBe(CALLS);
    expect(new Set(requests.map((request) => request.authorization['signature'])).size).toBe(CALLS);
  });

  it('refuse exactly the answers that do not verify, with typed errors, and accept the others', async () => {
    const spoiled = new Set([orders[3], orders[17]]);
    answerTogether(CALLS, (_request, order) => (spoiled.has(order) ? { tamperBody: (body: Buffer) => Buffer.concat([body, Buffer.from(' ')]) } : {}));
    const client: AnyClient = Builder.factory(platform.config());
    const settled = await Promise.allSettled(orders.map((order) =>
      client.v3.pay.transactions.native.post({ json: { mchid: MCHID, out_trade_no: order, amount: { total: 1 } } })));

    settled.forEach((outcome, index) => {
      if (spoiled.has(orders[index])) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as VerificationError;
        expect(error).toBeInstanceOf(VerificationError);
        expect(error.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
      } else {
        expect(outcome.status).toBe('fulfilled');
        expect((outcome as PromiseFulfilledResult<{ data: { code_url: string } }>).value.data.code_url).toBe(`weixin://wxpay/bizpayurl?pr=${orders[index]}`);
      }
    });
  });

  it('a lone call is signed and verified as before', async () => {
    platform.respond = () => ({ body: '{"ok":true}' });
    const client: AnyClient = Builder.factory(platform.config());
    const answer = await client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: '4200000000', query: { mchid: MCHID } });
    expect(answer.data).toEqual({ ok: true });
    expect(platform.last.authorized).toBe(true);
  });
});
