import { WechatpayError, type WechatpayErrorOptions } from '../errors.js';

export type RedisStoreErrorCode =
  /** A command did not answer within the store's `timeout`. */
  | 'EREDIS_TIMEOUT'
  /** The client refused or failed a command (not connected, offline queue disabled, a server error). */
  | 'EREDIS_COMMAND'
  /** A reply of a shape the store never writes (another program uses the key). */
  | 'EREDIS_REPLY';

/** A Redis store (`wechatpay-chain/redis`) could not do what it was asked. */
export class RedisStoreError extends WechatpayError {
  declare readonly code: RedisStoreErrorCode;

  constructor(code: RedisStoreErrorCode, message: string, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
  }
}
