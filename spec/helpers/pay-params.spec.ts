/** Front-end payment parameters: JSAPI/mini-program and APP, signed with the merchant key. */
import { verify } from 'node:crypto';
import { Builder } from '../../lib/core/builder.js';
import { PayParams } from '../../lib/helpers/pay-params.js';
import { keyPair, usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform();

describe('front-end payment parameters (docs/protocol.md#front-end-payment-parameters)', () => {
  const merchant = keyPair('merchant');

  it('JSAPI / mini-program: paySign over appId, timeStamp, nonceStr, package', () => {
    const params = PayParams.jsapi('wx8888888888888888', 'wx201410272009395522657a690389285100', merchant.privateKey, { timestamp: 1414561699, nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS' });
    expect(params).toMatchObject({ appId: 'wx8888888888888888', timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' });
    const message = 'wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n';
    expect(verify('sha256', Buffer.from(message), merchant.publicKey, Buffer.from(params.paySign, 'base64'))).toBe(true);
  });

  it('APP: sign over appid, timestamp, noncestr, prepayid', () => {
    const params = PayParams.app('wxapp', '1230000109', 'wx2014', merchant.privatePem, { timestamp: '1414561699', nonce: 'abc' });
    expect(params).toMatchObject({ appid: 'wxapp', partnerid: '1230000109', prepayid: 'wx2014', package: 'Sign=WXPay', noncestr: 'abc', timestamp: '1414561699' });
    expect(verify('sha256', Buffer.from('wxapp\n1414561699\nabc\nwx2014\n'), merchant.publicKey, Buffer.from(params.sign, 'base64'))).toBe(true);
  });

  it('is bound to the client, fresh timestamp and nonce each time', () => {
    const client = Builder.factory(platform.config()) as AnyClient;
    const a = client.payParams.jsapi('wx1', 'prepay1');
    const b = client.payParams.jsapi('wx1', 'prepay1');
    expect(a.nonceStr).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(a.nonceStr).not.toBe(b.nonceStr);
    expect(Math.abs(Number(a.timeStamp) - Date.now() / 1000)).toBeLessThan(5);
    const message = `wx1\n${a.timeStamp}\n${a.nonceStr}\nprepay_id=prepay1\n`;
    expect(verify('sha256', Buffer.from(message), platform.merchant.publicKey, Buffer.from(a.paySign, 'base64'))).toBe(true);
    expect(client.payParams.app('wxapp', 'p').partnerid).toBe('1230000109');
  });
});
