import type { AxiosResponse } from 'axios';
import { Hash, ALGO_HMAC_SHA256, ALGO_MD5 } from '../crypto/hash.js';
import { ApiError, RequestError, VerificationError, XmlError, type ExchangeFacts } from '../errors.js';
import { Readable } from 'node:stream';
import { readBody, sniff } from '../util/body.js';
import { exchangeFacts, exchangeOf } from '../util/exchange.js';
import { headerOf, plainHeaders } from '../util/headers.js';
import { Transformer, type XmlRecord } from '../util/transformer.js';

export interface VerifyV2Options {
  secret: string;
  /** The endpoint answers without a `sign` (docs/protocol.md#apiv2-xml; from the API description). */
  unsigned?: boolean;
  facts?: ExchangeFacts;
}

/**
 * Parses and checks an APIv2 answer (docs/protocol.md#apiv2-xml): well-formed XML without DOCTYPE or entities,
 * `return_code` SUCCESS, only text fields (what the sign covers), the `sign` (64 hex characters: HMAC-SHA256,
 * else MD5) equal to the one computed with the APIv2 secret in constant time, then `result_code` SUCCESS when present. Business failures
 * (`return_code`/`result_code` FAIL) are {@link ApiError}s carrying the platform's codes.
 */
export function verifyV2Response(raw: Buffer, options: VerifyV2Options): XmlRecord {
  const body = raw.toString('utf8');
  const facts = { ...options.facts, body: raw };
  let result: XmlRecord;
  try {
    result = Transformer.toArray(body);
  } catch (error) {
    const reason = error instanceof XmlError ? error.message : 'unreadable';
    throw new VerificationError('EV2_RES_XML', `The APIv2 answer is not acceptable XML: ${reason}`, facts, { cause: error });
  }
  const where = facts.url ? `${facts.method ?? 'POST'} ${facts.url}` : 'The APIv2 endpoint';
  const field = (name: string): string | undefined => (typeof result[name] === 'string' ? (result[name] as string) : undefined);

  if (field('return_code') !== 'SUCCESS') {
    const code = field('return_code') || 'FAIL';
    throw new ApiError(facts.status ?? 200, code, `${where} answered return_code=${code}: ${field('return_msg') ?? 'no return_code'}`, {
      ...facts, headers: facts.headers ?? {}, detail: result,
    });
  }
  if (!options.unsigned) {
    const sign = field('sign');
    if (!sign) {
      throw new VerificationError('EV2_RES_SIGN', 'The APIv2 answer carries no sign: it cannot be trusted', facts);
    }
    // The sign covers text fields only: a nested or repeated element would reach the caller unsigned. No documented
    // signed answer has one (the two answers with nested lists are documented as unsigned).
    const uncovered = Object.keys(result).filter((name) => typeof result[name] !== 'string');
    if (uncovered.length) {
      throw new VerificationError('EV2_RES_SIGN', `The APIv2 answer carries elements its sign does not cover (${uncovered.slice(0, 5).join(', ')}: ` +
        'nested or repeated): it cannot be trusted', facts);
    }
    const type = sign.length === 64 ? ALGO_HMAC_SHA256 : ALGO_MD5;
    if (!Hash.equals(Hash.sign(type, result, options.secret), sign)) {
      throw new VerificationError('EV2_RES_SIGN', `The APIv2 answer's ${type} sign does not match its fields: altered, or signed with another secret`, facts);
    }
  }
  const resultCode = field('result_code');
  if (resultCode !== undefined && resultCode !== 'SUCCESS') {
    const code = field('err_code') || resultCode || 'FAIL';
    throw new ApiError(facts.status ?? 200, code, `${where} answered result_code=${resultCode} ${code}: ${field('err_code_des') ?? ''}`, {
      ...facts, headers: facts.headers ?? {}, detail: result,
    });
  }
  return result;
}

/** An APIv2 answer that is XML (a result, or a download's failure) rather than a file. */
const XML_ANSWER = /^\s*<xml[\s>]/;

/**
 * The APIv2 response interceptor: a 2xx XML answer is parsed and verified ({@link verifyV2Response}); a
 * download's file (a bill) passes as it is; a non-2xx answer is an {@link ApiError} unless the caller's
 * `validateStatus` accepts it. For a `sink`, a download's file is left streaming (its first bytes tell it
 * from an XML failure, which is read and refused), and a verified XML answer is left as bytes.
 */
export function createV2Verifier(options: { secret: string }) {
  return async function verifyV2Answer(response: AxiosResponse): Promise<AxiosResponse> {
    const exchange = exchangeOf(response.config);
    if (exchange.protocol !== 'v2') throw new RequestError('EREQUEST_PROTOCOL', `${exchange.template} is not an APIv2 request`);
    const ok = response.status >= 200 && response.status < 300;
    let body: unknown = response.data ?? '';
    if (ok && exchange.sink && exchange.unsignedAnswer && body instanceof Readable) {
      const { head, stream } = await sniff(body, 64);
      if (!XML_ANSWER.test(head.toString('utf8'))) {
        response.data = stream;
        return response;
      }
      body = stream;
    }
    const raw = await readBody(body);
    if (!ok) {
      if (!exchange.acceptStatus?.(response.status)) {
        throw ApiError.fromAnswer(raw, { ...exchangeFacts(response), headers: plainHeaders(response.headers) });
      }
      response.data = raw.toString('utf8');
      return response;
    }
    // Downloads (bills) and HTML pages answer without XML when they succeed; their failures are XML.
    if (exchange.unsignedAnswer && !XML_ANSWER.test(raw.subarray(0, 64).toString('utf8'))) {
      const type = (headerOf(response.headers, 'Content-Type') ?? '').toLowerCase();
      response.data = exchange.sink || /gzip|octet-stream/.test(type) ? raw : raw.toString('utf8');
      return response;
    }
    const verified = verifyV2Response(raw, {
      secret: options.secret,
      unsigned: exchange.unsignedAnswer,
      facts: { ...exchangeFacts(response), headers: plainHeaders(response.headers) },
    });
    response.data = exchange.sink ? raw : verified;
    return response;
  };
}
