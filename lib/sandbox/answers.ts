/**
 * Answers: the reply builders, and the documented answer of any endpoint no behaviour handles (its
 * example, with the identifiers the request named echoed back, and the merchant's own ids).
 */
import type { Call, Reply } from './call.js';
import type { Json } from './data.js';
import { nonce } from './ids.js';
import { storedContentHeaders } from './stored-content.js';
import type { V2SignType } from './v2.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export const json = (value: unknown, status = 200): Reply => ({
  kind: 'v3', status, body: Buffer.from(JSON.stringify(value)), contentType: JSON_TYPE, signature: 'signed',
});

export const empty = (status = 204): Reply => ({ kind: 'v3', status, body: Buffer.alloc(0), signature: 'signed' });

/** A file download: not signed (its integrity is checked otherwise). */
export const file = (bytes: Buffer, contentType: string, headers: Record<string, string> = {}): Reply => ({
  kind: 'v3', status: 200, body: bytes, contentType, headers, signature: 'none',
});

/** Stored content (a kept upload, a bill): served so that nothing in it runs at the sandbox's origin (stored-content.ts). */
export const storedFile = (bytes: Buffer, contentType: string, filename?: string): Reply => {
  const { 'Content-Type': type, ...headers } = storedContentHeaders(contentType, filename);
  return file(bytes, type!, headers);
};

export const v2 = (fields: Record<string, unknown>, signType?: V2SignType, status = 200): Reply => ({ kind: 'v2', status, fields, ...(signType ? { signType } : {}) });

/** A 1x1 PNG, for image downloads. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** A one-page PDF, for the transfer receipts. */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
  '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/** Answer fields that name a thing the request named (so a query by id answers that id). */
const IDENTIFIER = /(^|_)(id|no|mchid|appid|openid)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The documented answer of `call`'s endpoint, with the request's identifiers echoed back. */
export function exampleValue(call: Call): Json | undefined {
  const answer = clone(call.endpoint.example.answer);
  if (!isRecord(answer)) return answer;
  const sources = [call.vars, call.query, isRecord(call.body) ? call.body : {}];
  const merchant = call.runtime.identity.mchid;
  for (const key of Object.keys(answer)) {
    const current = answer[key];
    if (!IDENTIFIER.test(key) || (typeof current !== 'string' && typeof current !== 'number')) continue;
    const given = sources.map((source) => source[key]).find((value) => value !== undefined);
    if (typeof given === typeof current) answer[key] = given as Json;
    else if (given === undefined && (key === 'mchid' || key === 'sp_mchid' || key === 'mch_id')) answer[key] = typeof current === 'number' ? Number(merchant) : merchant;
  }
  return answer;
}

/** A small statement CSV (overseas `statements`). */
function statementCsv(): Buffer {
  return Buffer.from('Date,Settlement Currency,Amount\n2025-01-01,USD,0.00\n');
}

/** The answer of an endpoint no behaviour handles: its documented example, in the endpoint's kind. */
export function exampleAnswer(call: Call): Reply {
  const { endpoint } = call;
  const { status, kind } = endpoint.response;
  if (endpoint.area === 'v2') return v2ExampleAnswer(call);
  switch (kind) {
    case 'empty':
      return empty(status);
    case 'binary':
      return /transferdownload/.test(endpoint.template) ? file(PDF, 'application/pdf') : file(PNG, 'image/png');
    case 'text':
      return { kind: 'v3', status, body: statementCsv(), contentType: 'text/csv; charset=utf-8', signature: 'statement' };
    default:
      return json(exampleValue(call) ?? {}, status);
  }
}

/** Fields every successful APIv2 answer carries. */
function v2Envelope(call: Call, fields: Record<string, unknown>): Record<string, unknown> {
  const request = isRecord(call.body) ? call.body : {};
  const out: Record<string, unknown> = { ...fields, return_code: 'SUCCESS', return_msg: 'OK' };
  for (const drop of ['err_code', 'err_code_des', 'sign']) Reflect.deleteProperty(out, drop);
  if ('result_code' in out) out['result_code'] = 'SUCCESS';
  for (const key of ['appid', 'mch_id', 'mchid', 'sub_appid', 'sub_mch_id', 'mch_appid', 'device_info']) {
    if (key in out && typeof request[key] === 'string') out[key] = request[key];
  }
  if ('nonce_str' in out) out['nonce_str'] = nonce();
  return out;
}

/** An APIv2 answer from the example: XML fields (signed unless the endpoint answers unsigned), a page, or a redirect. */
function v2ExampleAnswer(call: Call): Reply {
  const { endpoint } = call;
  const { status, kind } = endpoint.response;
  if (kind === 'empty') {
    return { kind: 'raw', status, body: Buffer.alloc(0), headers: { Location: 'https://payapp.weixin.qq.com/sandbox/authorize' } };
  }
  if (kind === 'text') {
    return { kind: 'raw', status, body: Buffer.from('<html><body>WeChat Pay sandbox page</body></html>'), headers: { 'Content-Type': 'text/html; charset=utf-8' } };
  }
  const answer = exampleValue(call);
  const fields = v2Envelope(call, isRecord(answer) ? answer : {});
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
  }
  return v2(fields, endpoint.unsigned ? undefined : call.signType, status);
}

/** An APIv2 business answer made by a behaviour: the envelope added, signed like the request. */
export function v2Answer(call: Call, fields: Record<string, unknown>): Reply {
  return v2(v2Envelope(call, { result_code: 'SUCCESS', nonce_str: '', ...fields }), call.endpoint.unsigned ? undefined : call.signType);
}
