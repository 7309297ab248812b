import { Rsa, type RsaKeyInput } from '../crypto/rsa.js';
import { Formatter } from '../util/formatter.js';

/** What JSAPI / mini-program `wx.requestPayment` / `WeixinJSBridge.invoke('getBrandWCPayRequest')` take. */
export interface JsapiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** What the APP SDK (`PayReq`) takes. */
export interface AppPayParams {
  appid: string;
  partnerid: string;
  prepayid: string;
  package: 'Sign=WXPay';
  noncestr: string;
  timestamp: string;
  sign: string;
}

/** Optional fixed values (for reproducible tests); a fresh timestamp and nonce otherwise. */
export interface PayParamsOptions {
  timestamp?: number | string;
  nonce?: string;
}

/** Front-end payment parameters from a `prepay_id` (docs/protocol.md#front-end-payment-parameters), signed with the merchant key. */
export const PayParams = {
  /** JSAPI and mini-program: `paySign` over `appId\ntimeStamp\nnonceStr\npackage\n`. */
  jsapi(appId: string, prepayId: string, privateKey: RsaKeyInput, options: PayParamsOptions = {}): JsapiPayParams {
    const timeStamp = String(options.timestamp ?? Formatter.timestamp());
    const nonceStr = options.nonce ?? Formatter.nonce();
    const pkg = `prepay_id=${prepayId}`;
    const paySign = Rsa.sign(Formatter.joinedByLineFeed(appId, timeStamp, nonceStr, pkg), privateKey);
    return { appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  },

  /** APP: `sign` over `appid\ntimestamp\nnoncestr\nprepayid\n`. */
  app(appid: string, partnerid: string, prepayId: string, privateKey: RsaKeyInput, options: PayParamsOptions = {}): AppPayParams {
    const timestamp = String(options.timestamp ?? Formatter.timestamp());
    const noncestr = options.nonce ?? Formatter.nonce();
    const sign = Rsa.sign(Formatter.joinedByLineFeed(appid, timestamp, noncestr, prepayId), privateKey);
    return { appid, partnerid, prepayid: prepayId, package: 'Sign=WXPay', noncestr, timestamp, sign };
  },
};
