/**
 * Callback notifications, sent as the platform sends them (PROTOCOL.md section 7): a JSON envelope whose
 * `resource` is AES-256-GCM encrypted with the merchant's APIv3 key, POSTed with the platform's signature
 * headers. One attempt (the platform's retries are the test's to simulate); the receiver's answer is returned.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AesGcm } from '../../crypto/aes-gcm.js';
import type { NotificationInput, NotificationResult } from '../call.js';
import type { Identity } from '../identity.js';
import { alnum, ids, rfc3339 } from '../ids.js';
import { signatureHeaders, signingKey, type SignWith, type SigningTweak } from '../sign.js';

const SUMMARIES: Record<string, string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
  'REFUND.CLOSED': '退款关闭',
};

/** The notification's body (the exact bytes that are signed and sent). */
export function notificationBody(identity: Identity, input: NotificationInput): string {
  const eventType = input.event_type ?? 'TRANSACTION.SUCCESS';
  const originalType = input.original_type ?? (eventType.startsWith('REFUND.') ? 'refund' : 'transaction');
  const nonce = alnum(12);
  return JSON.stringify({
    id: ids.notification(),
    create_time: rfc3339(),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: input.summary ?? SUMMARIES[eventType] ?? eventType,
    resource: {
      original_type: originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: AesGcm.encrypt(JSON.stringify(input.resource), identity.apiv3Key, nonce, originalType),
      associated_data: originalType,
      nonce,
    },
  });
}

/** POSTs a signed notification to `url` and resolves with the receiver's answer (rejects when it cannot be reached). */
export function sendNotification(identity: Identity, signWith: SignWith, url: string, input: NotificationInput, tweak: SigningTweak = {}): Promise<NotificationResult> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Error(`A notification goes to an http(s) URL, got ${url}`));
  const body = notificationBody(identity, input);
  return signatureHeaders(Buffer.from(body), signingKey(identity, signWith), tweak).then((signature) => post(target, url, body, {
    'Content-Type': 'application/json',
    'User-Agent': 'Mozilla/4.0',
    ...signature,
  }));
}

function post(target: URL, url: string, body: string, headers: Record<string, string>): Promise<NotificationResult> {
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), sent: { headers, body } }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`The notification to ${url} got no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
