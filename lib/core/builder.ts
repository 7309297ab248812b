import { inspect } from 'node:util';
import { createChain, taggedTemplate } from './chain.js';
import { createTransport } from './transport.js';
import { loadConfig, type CertsInput, type ClientConfig } from './config.js';
import { TrustedPlatformKeys } from './platform-keys.js';
import { SensitiveFields } from '../helpers/sensitive.js';
import { ConfigError, RequestError } from '../errors.js';
import { Notification, type NotificationParser, type NotificationRequest } from '../helpers/notification.js';
import { PayParams, type AppPayParams, type JsapiPayParams, type PayParamsOptions } from '../helpers/pay-params.js';
import type { WechatpayClient } from '../types.js';

/** What a client offers beside the chain (`client.v3...`, `client['v3/...']`, `client.chain('v3/...')`). */
export interface ClientMembers {
  /** Replaces the platform certificates/public keys used to verify answers (same checks as `Builder.factory`). */
  setCerts(certs: CertsInput): void;
  /**
   * Encrypts a sensitive field for the platform (RSA-OAEP with its public key, or the newest valid platform
   * certificate); the request whose body carries the result sends the matching `Wechatpay-Serial` itself.
   */
  encrypt(plaintext: string): string;
  /** Decrypts a sensitive field the platform returned, with the merchant private key. */
  decrypt(ciphertext: string): string;
  /** Callback notifications verified with this client's platform keys and decrypted with its `apiv3Key`. */
  readonly notification: NotificationParser;
  /** Front-end payment parameters signed with the merchant key. */
  readonly payParams: {
    /** JSAPI / mini-program `requestPayment` parameters for a `prepay_id`. */
    jsapi(appId: string, prepayId: string, options?: PayParamsOptions): JsapiPayParams;
    /** APP `PayReq` parameters for a `prepay_id` (`partnerid` is this merchant). */
    app(appid: string, prepayId: string, options?: PayParamsOptions): AppPayParams;
  };
}

/** The client of one merchant: every endpoint typed, plus {@link ClientMembers}. */
export type Client = WechatpayClient & ClientMembers;

/** wechatpay-php's entry point: `Builder.factory(config)` returns a client for one merchant. */
export const Builder = {
  factory(config: ClientConfig): Client {
    const loaded = loadConfig(config);
    const { credentials } = loaded;
    const keys = new TrustedPlatformKeys(loaded.platformKeys, credentials.serial);
    const sensitive = new SensitiveFields(() => keys.current(), credentials.privateKey);
    const transport = createTransport(loaded, keys, (body) => sensitive.serialFor(body));
    const nodes = createChain(transport.dispatch);
    const description = `[WechatpayClient mchid=${credentials.mchid}]`;

    const chain = (first: string | TemplateStringsArray, ...values: unknown[]): unknown => {
      if (typeof first === 'string') return nodes.template(first);
      if (Array.isArray(first) && 'raw' in first) return nodes.template(taggedTemplate(first, values));
      throw new RequestError('EREQUEST_CALL', 'client.chain() takes a URI template string, or is used as a tagged template');
    };
    const members: Record<string | symbol, unknown> = {
      chain,
      setCerts: (certs: CertsInput) => keys.replace(certs),
      encrypt: (plaintext: string) => sensitive.encrypt(plaintext),
      decrypt: (ciphertext: string) => sensitive.decrypt(ciphertext),
      notification: {
        parse: (request: NotificationRequest) => {
          if (loaded.apiv3Key === undefined) {
            throw new ConfigError('apiv3Key', 'is not configured: Builder.factory({ ..., apiv3Key }) is needed to decrypt notifications');
          }
          return Notification.create({ certs: keys.current(), apiv3Key: loaded.apiv3Key, maxClockOffset: loaded.maxClockOffset })
            .parse(request);
        },
      } satisfies NotificationParser,
      payParams: {
        jsapi: (appId: string, prepayId: string, options?: PayParamsOptions) =>
          PayParams.jsapi(appId, prepayId, credentials.privateKey, options),
        app: (appid: string, prepayId: string, options?: PayParamsOptions) =>
          PayParams.app(appid, credentials.mchid, prepayId, credentials.privateKey, options),
      },
      then: undefined,
      toJSON: () => ({ mchid: credentials.mchid, serial: credentials.serial }),
      toString: () => description,
      inspect: () => description,
      [inspect.custom]: () => description,
      [Symbol.toPrimitive]: () => description,
      [Symbol.toStringTag]: 'WechatpayClient',
    };

    // util.inspect shows a Proxy's target without running its traps, so the target describes itself.
    const target = Object.defineProperty(Object.create(null) as object, inspect.custom, { value: () => description });
    return new Proxy(target, {
      get(_target, property) {
        if (Object.hasOwn(members, property)) return members[property];
        if (typeof property === 'symbol') return undefined;
        return nodes.property(property);
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    }) as Client;
  },
};
