import { inspect } from 'node:util';
import { createChain, taggedTemplate } from './chain.js';
import { createTransport } from './transport.js';
import { loadConfig, type CertsInput, type ClientConfig } from './config.js';
import { TrustedPlatformKeys, type PlatformKeyInfo, type PlatformKeySource } from '../v3/platform-keys.js';
import { AutoCertificates, downloadCertificates, type CertificateDownload } from './auto-certificates.js';
import { SensitiveFields } from '../helpers/sensitive.js';
import { ConfigError, RequestError, VerificationError } from '../errors.js';
import { Notification, openWith, type NotificationEnvelope, type NotificationParser, type NotificationRequest } from '../helpers/notification.js';
import { ROUTING, type RoutingTarget } from '../helpers/notification-router.js';
import type { NotificationV2Request, V2Notification } from '../helpers/notification-v2.js';
import { withHandlers, type ClientNotificationHandlers } from '../helpers/notification-receivers.js';
import { headerOf } from '../util/headers.js';
import { isPublicKeyId, WECHATPAY_SERIAL } from '../v3/verifier.js';
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
  /**
   * Callback notifications verified with this client's platform keys and decrypted with its `apiv3Key`;
   * `parseV2` for APIv2 (XML) ones, checked and decrypted with its APIv2 `secret`, for this merchant.
   */
  readonly notification: ClientNotificationParser & { parseV2(request: NotificationV2Request): V2Notification } & ClientNotificationHandlers;
  /** The platform keys this client trusts, and (with `autoCertificates`) their download. */
  readonly certificates: ClientCertificates;
  /** Front-end payment parameters signed with the merchant key. */
  readonly payParams: {
    /** JSAPI / mini-program `requestPayment` parameters for a `prepay_id`. */
    jsapi(appId: string, prepayId: string, options?: PayParamsOptions): JsapiPayParams;
    /** APP `PayReq` parameters for a `prepay_id` (`partnerid` is this merchant). */
    app(appid: string, prepayId: string, options?: PayParamsOptions): AppPayParams;
  };
}

/** A client's notification parser: the keys it verifies with are the client's, refreshed with them. */
export interface ClientNotificationParser extends NotificationParser {
  /**
   * As `parse`, after loading the platform certificates if they are not loaded yet and, when the
   * notification names a serial the client does not know, after looking for it (rate-limited): the way to
   * parse with `autoCertificates`. (`parse` refuses an unknown serial at once, starts the look-up, and its
   * error says to use `parseAsync`.)
   */
  parseAsync<Resource = Record<string, unknown>>(request: NotificationRequest): Promise<NotificationEnvelope<Resource>>;
}

/** `client.certificates`. */
export interface ClientCertificates {
  /** Resolves once the client has platform keys (with `autoCertificates`, after the first download); at once otherwise. */
  ready(): Promise<void>;
  /** Downloads the platform certificates now (`autoCertificates` only; rejects when the download fails). */
  refresh(): Promise<CertificateDownload>;
  /** The keys trusted right now: configured and downloaded, with their validity (no key material). */
  list(): PlatformKeyInfo[];
  /**
   * Ends the scheduled refreshes of a client you no longer use (they never keep a process alive, and end
   * by themselves once the client is collected); unknown serials are still looked up.
   */
  stop(): void;
}

/** The client of one merchant: every endpoint typed, plus {@link ClientMembers}. */
export type Client = WechatpayClient & ClientMembers;

/** wechatpay-php's entry point: `Builder.factory(config)` returns a client for one merchant. */
export const Builder = {
  factory(config: ClientConfig): Client {
    const loaded = loadConfig(config);
    const { credentials } = loaded;
    const keys = new TrustedPlatformKeys(loaded.platformKeys, credentials.serial);
    const auto = loaded.autoCertificates ? new AutoCertificates(keys, loaded.autoCertificates, credentials.mchid, () => downloadCertificates({
      dispatch: transport.dispatch,
      mchid: credentials.mchid,
      merchantSerial: credentials.serial,
      apiv3Key: loaded.apiv3Key!,
      publicKeyIds: () => [...keys.current().byId.keys()].filter(isPublicKeyId),
    }), { apiv3Key: loaded.apiv3Key!, merchantSerial: credentials.serial }) : undefined;
    const source: PlatformKeySource = auto ?? keys;
    const sensitive = new SensitiveFields(() => keys.current(), credentials.privateKey);
    const transport = createTransport(loaded, source, (body) => sensitive.serialFor(body));
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
      notification: Object.defineProperty(withHandlers({
        ...notificationParser(loaded.apiv3Key, loaded.maxClockOffset, source),
        parseV2: (request: NotificationV2Request) => {
          if (loaded.secret === undefined) {
            throw new ConfigError('secret', 'is not configured: Builder.factory({ ..., secret }) is needed to check APIv2 notifications');
          }
          return Notification.parseV2(request, { secret: loaded.secret, mchid: credentials.mchid });
        },
      }, { apiv3Key: loaded.apiv3Key !== undefined, secret: loaded.secret !== undefined }) satisfies ClientMembers['notification'], ROUTING, {
        value: {
          mchid: credentials.mchid,
          maxClockOffset: loaded.maxClockOffset,
          key: (serial: string) => keys.current().byId.get(serial),
          canOpen: loaded.apiv3Key !== undefined,
          open: (raw: Buffer, request: NotificationRequest) => openWith(raw, request, loaded.apiv3Key!),
        } satisfies RoutingTarget,
      }),
      certificates: {
        ready: async () => {
          await source.ready?.();
        },
        refresh: () => auto
          ? auto.refresh()
          : Promise.reject(new ConfigError('autoCertificates', 'is not enabled: Builder.factory({ ..., autoCertificates: true }) downloads the platform certificates')),
        list: () => keys.current().describe(),
        stop: () => auto?.stop(),
      } satisfies ClientCertificates,
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

/** Notifications verified with the client's keys: an unknown serial is looked up (in the background for `parse`). */
function notificationParser(apiv3Key: string | undefined, maxClockOffset: number, keys: PlatformKeySource): ClientNotificationParser {
  const parser = () => {
    if (apiv3Key === undefined) {
      throw new ConfigError('apiv3Key', 'is not configured: Builder.factory({ ..., apiv3Key }) is needed to decrypt notifications');
    }
    return Notification.create({ certs: keys.current(), apiv3Key, maxClockOffset });
  };
  const unknownSerial = (request: NotificationRequest): string | undefined => {
    const serial = headerOf(request?.headers, WECHATPAY_SERIAL);
    return serial && !keys.current().byId.has(serial) ? serial : undefined;
  };
  return {
    parse(request) {
      const verify = parser();
      const serial = keys.lookUp && unknownSerial(request);
      if (!serial) return verify.parse(request);
      void keys.lookUp!(serial);
      try {
        return verify.parse(request);
      } catch (error) {
        if (!(error instanceof VerificationError) || error.code !== 'EV3_RES_HEADER_PLATFORM_SERIAL') throw error;
        throw new VerificationError(error.code, `${error.message} (autoCertificates: ${serial} is being looked up now; ` +
          '`await client.notification.parseAsync(request)` waits for the look-up and verifies with what it finds)', error, { cause: error });
      }
    },
    async parseAsync(request) {
      parser();
      await keys.ready?.();
      const serial = keys.lookUp && unknownSerial(request);
      if (serial) await keys.lookUp!(serial);
      return parser().parse(request);
    },
  };
}
