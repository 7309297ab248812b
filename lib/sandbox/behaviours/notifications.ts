/**
 * Callback notifications, sent as the platform sends them (docs/protocol.md#callback-notifications): a JSON envelope whose
 * `resource` is AES-256-GCM encrypted with the merchant's APIv3 key, POSTed with the platform's signature
 * headers (made anew for every attempt: a retry hours later carries a fresh timestamp). The delivery and
 * its retries are deliveries.ts's; this is one notification's body and one attempt.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NotificationInput } from '../call.js';
import type { Identity } from '../identity.js';
import { alnum, ids, rfc3339 } from '../ids.js';
import { aesGcmEncrypt } from '../sign.js';

const SUMMARIES: Record<string, string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
  'REFUND.CLOSED': '退款关闭',
  'MCHTRANSFER.BILL.FINISHED': '商家转账单据终态通知',
};

/** The notification's envelope (the exact bytes that are signed and sent on every attempt). */
export function notificationBody(identity: Identity, input: NotificationInput, at = new Date()): { id: string; eventType: string; summary: string; body: string } {
  const eventType = input.event_type ?? 'TRANSACTION.SUCCESS';
  const originalType = input.original_type ?? (eventType.startsWith('REFUND.') ? 'refund' : 'transaction');
  const nonce = alnum(12);
  const id = ids.notification();
  const summary = input.summary ?? SUMMARIES[eventType] ?? eventType;
  const body = JSON.stringify({
    id,
    create_time: rfc3339(at),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary,
    resource: {
      original_type: originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: aesGcmEncrypt(JSON.stringify(input.resource), identity.apiv3Key, nonce, originalType),
      associated_data: originalType,
      nonce,
    },
  });
  return { id, eventType, summary, body };
}

/** The merchant's answer to one attempt. */
export interface Answered {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POSTs `body` with `headers` to `url`; resolves with the answer, rejects when there is none within `timeout` ms. */
export function post(url: string, headers: Record<string, string>, body: string, timeout: number, signal?: AbortSignal): Promise<Answered> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Error(`${url} is not a URL`));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Error(`A notification goes to an http(s) URL, got ${url}`));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeout} ms`)), timeout);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}
