export { Builder } from './core/builder.js';
export type { Client, ClientMembers, ClientCertificates, ClientNotificationParser } from './core/builder.js';
export type { AutoCertificatesOptions, CertificateDownload, CertificateRefresh, PlatformCertificateInfo } from './core/auto-certificates.js';
export { FileCertificateStore, MemoryCertificateStore } from './helpers/certificate-store.js';
export type { CertificateStore, StoredCertificates } from './helpers/certificate-store.js';
export type { ClientConfig, CertsInput, KeyInput } from './core/config.js';
export type { Hooks, HookRequest, HookHeaders, BeforeRequestHook, AfterResponseHook, BeforeErrorHook, BeforeRetryHook } from './core/hooks.js';
export type { RetryInfo } from './core/attempts.js';
export type { RetryOptions } from './core/retry.js';
export { PlatformKeys } from './v3/platform-keys.js';
export type { PlatformKeyInfo } from './v3/platform-keys.js';
export { Notification } from './helpers/notification.js';
export { MemoryNotificationStore, MIN_NOTIFICATION_TTL_MS } from './helpers/notification-store.js';
export type { NotificationStore, NotificationClaim, NotificationState, MemoryNotificationStoreOptions } from './helpers/notification-store.js';
export type { NotificationRequest, NotificationOptions, NotificationEnvelope, NotificationReply, NotificationParser, EncryptedResource } from './helpers/notification.js';
export type { NotificationResources, KnownEventType, RefundNotificationResource, NotificationEventType, NotificationResourceOf } from './helpers/notification-types.js';
export type { NotificationEvent, NotificationHandlers, EventHandler } from './helpers/notification-dispatch.js';
export type {
  NotificationHandler, NotificationHandlerOptions, NotificationHandlerReply, NotificationErrorStage, IncomingNotification,
} from './helpers/notification-handler.js';
export type {
  NotificationAdapters, ExpressLikeMiddleware, ExpressLikeRequest, KoaLikeMiddleware, KoaLikeContext, FastifyLikePlugin, FastifyLikeInstance, FastifyLikeReply,
} from './helpers/notification-adapters.js';
export type { NotificationV2Handlers, ClientNotificationHandlers } from './helpers/notification-receivers.js';
export type { NotificationRouter, RoutedNotification, RoutableClient } from './helpers/notification-router.js';
export type {
  NotificationV2Request, NotificationV2Options, NotificationV2Reply, V2Notification, V2NotificationEnvelope, V2PaymentNotification, V2RefundNotification, V2RefundInfo,
} from './helpers/notification-v2.js';
export { PayParams } from './helpers/pay-params.js';
export type { JsapiPayParams, AppPayParams, PayParamsOptions } from './helpers/pay-params.js';
export * from './errors.js';
export { Formatter } from './util/formatter.js';
export { Rsa } from './crypto/rsa.js';
export type { RsaKeyInput, KeyType } from './crypto/rsa.js';
export { AesGcm } from './crypto/aes-gcm.js';
export { AesEcb } from './crypto/aes-ecb.js';
export { Hash, ALGO_MD5, ALGO_HMAC_SHA256 } from './crypto/hash.js';
export type { SignType } from './crypto/hash.js';
export { Transformer } from './util/transformer.js';
export type { XmlRecord, XmlValue } from './util/transformer.js';
export { PemUtil } from './util/pem.js';
export { MediaUtil, mediaContentType, multipartOf } from './util/media.js';
export type { MediaOptions } from './util/media.js';
export { downloadBill, openBill } from './helpers/bill.js';
export type { BillAnswer, BillClient, BillDownload, BillProgress, DownloadBillOptions, OpenBillOptions } from './helpers/bill.js';
export { parseBill, readBill } from './helpers/bill-csv.js';
export type { BillRecord, BillSource, BillTable } from './helpers/bill-csv.js';
export type { Pkcs12Bundle } from './util/pem.js';
export { VERSION } from './version.js';
export type * from './types.js';
