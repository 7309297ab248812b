/**
 * One API request, from bytes to a reply, as the platform handles it: route (404), authenticate (APIv3
 * 401 `SIGN_ERROR`; APIv2 `FAIL`), validate path, query, headers and body (400 `PARAM_ERROR`), then a
 * behaviour or the documented example answers.
 */
import { privateDecrypt, constants } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { exampleAnswer, json, v2 } from './answers.js';
import { AuthError, signTypeOf, signedFields, v2Fail, verifyV2, verifyV3, type Verdict } from './auth.js';
import { behaviourFor } from './behaviours/index.js';
import type { Call, Reply, Runtime } from './call.js';
import { platformCertificates } from './platform-certificates.js';
import type { SandboxEndpoint } from './data.js';
import { paramError, PlatformError } from './errors.js';
import { boundaryOf, parseMultipart, type Part } from './multipart.js';
import type { Router } from './routes.js';
import type { Validator } from './validate.js';
import { nonce } from './ids.js';
import { parseV2Xml, type V2SignType } from './v2.js';

/** A request as received. */
export interface Incoming {
  method: string;
  /** The request target exactly as received (path and query). */
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The request target split as received. */
interface RequestUrl {
  pathname: string;
  searchParams: URLSearchParams;
}

export interface Handled {
  reply: Reply;
  endpoint?: SandboxEndpoint;
  /** The error code answered, if any. */
  code?: string;
  /** The authentication's outcome (absent when the request was refused before it: an unknown path). */
  verdict?: Verdict;
}

/** What a request's handling learnt on the way, for the log. */
interface Notes {
  verdict?: Verdict;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** The query as an object: a repeated name gives an array. */
function queryObject(search: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of new Set(search.keys())) {
    const values = search.getAll(name);
    out[name] = values.length > 1 ? values : values[0];
  }
  return out;
}

export class Pipeline {
  constructor(private readonly runtime: Runtime, private readonly router: Router, private readonly validator: Validator) {}

  async handle(incoming: Incoming): Promise<Handled> {
    // Routed on the path as sent (no `..` resolution): the signature covers exactly that.
    const query = incoming.target.indexOf('?');
    const url = {
      pathname: query === -1 ? incoming.target : incoming.target.slice(0, query),
      searchParams: new URLSearchParams(query === -1 ? '' : incoming.target.slice(query + 1)),
    };
    const route = this.router.match(incoming.method, url.pathname);
    if (!route.found) {
      const message = route.methods.length
        ? `${incoming.method} is not served at ${url.pathname} (only ${route.methods.map((m) => m.toUpperCase()).join(', ')})`
        : `No API at ${url.pathname}`;
      return { reply: json({ code: 'NOT_FOUND', message }, 404), code: 'NOT_FOUND' };
    }
    const match = route.matches.find((m) => this.validator.pathMatches(m.endpoint, m.vars)) ?? route.matches[0]!;
    const { endpoint } = match;
    const notes: Notes = {};
    try {
      const reply = endpoint.area === 'v2'
        ? await this.#v2(incoming, url, endpoint, match.vars, notes)
        : await this.#v3(incoming, url, endpoint, match.vars, notes);
      return { reply, endpoint, ...(notes.verdict ? { verdict: notes.verdict } : {}) };
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      if (error instanceof AuthError) notes.verdict = error.verdict;
      return {
        reply: endpoint.area === 'v2' ? this.#v2Error(error, incoming) : json({ code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) }, error.status),
        endpoint, code: error.code, ...(notes.verdict ? { verdict: notes.verdict } : {}),
      };
    }
  }

  async #v3(incoming: Incoming, url: RequestUrl, endpoint: SandboxEndpoint, rawVars: Record<string, string>, notes: Notes): Promise<Reply> {
    const { identity } = this.runtime;
    const upload = endpoint.form?.some((p) => p.file) ?? false;
    const boundary = boundaryOf(header(incoming.headers, 'content-type'));
    let parts: Part[] | undefined;
    let signed = incoming.body;
    if (boundary && upload) {
      try {
        parts = parseMultipart(incoming.body, boundary);
      } catch (error) {
        throw paramError('body', '', `is not multipart/form-data: ${(error as Error).message}`);
      }
      signed = parts.find((p) => p.name === 'meta')?.data ?? Buffer.alloc(0);
    }
    notes.verdict = await verifyV3({ method: incoming.method, target: incoming.target, body: signed, authorization: header(incoming.headers, 'authorization') }, identity);

    const serial = header(incoming.headers, 'wechatpay-serial');
    if (serial !== undefined && !platformCertificates(identity).keyFor(serial)) {
      throw paramError('header', 'Wechatpay-Serial', 'is neither the platform certificate serial nor the platform public key id', serial);
    }
    for (const h of endpoint.header ?? []) {
      if (h.required && h.name.toLowerCase() !== 'wechatpay-serial' && header(incoming.headers, h.name) === undefined) throw paramError('header', h.name, 'is required');
    }
    const vars = this.validator.check(endpoint, 'path', { ...rawVars });
    const query = this.validator.check(endpoint, 'query', queryObject(url.searchParams));

    let body: unknown;
    let meta: Record<string, unknown> | undefined;
    if (upload) {
      if (!parts) throw paramError('header', 'Content-Type', 'must be multipart/form-data with a boundary (a media upload)', header(incoming.headers, 'content-type'));
      if (endpoint.meta) {
        const metaPart = parts.find((p) => p.name === 'meta');
        if (!metaPart) throw paramError('form', 'meta', 'is required');
        meta = parseJson(metaPart.data, 'form', '/meta') as Record<string, unknown>;
        this.validator.check(endpoint, 'meta', meta);
      }
      const fields = Object.fromEntries(parts.filter((p) => p.name !== 'meta' && p.filename === undefined).map((p) => [p.name, p.data.toString('utf8')]));
      this.validator.check(endpoint, 'form', fields);
    } else if (endpoint.body) {
      if (incoming.body.length === 0) {
        if (endpoint.body.required) throw paramError('body', '/', 'is required');
      } else {
        body = this.validator.check(endpoint, 'body', parseJson(incoming.body, 'body', '/'));
      }
    }
    if (serial !== undefined && endpoint.sensitive && body !== undefined) this.#decryptable(endpoint.sensitive, body, serial);

    const call: Call = { runtime: this.runtime, endpoint, vars: vars as Record<string, string>, query, body, headers: incoming.headers, ...(parts ? { parts } : {}), ...(meta ? { meta } : {}) };
    return (await behaviourFor(endpoint)?.(call)) ?? exampleAnswer(call);
  }

  /** Sensitive fields must decrypt with the private key of the platform key the request names. */
  #decryptable(pointers: readonly string[], body: unknown, serial: string): void {
    const { identity } = this.runtime;
    const key = platformCertificates(identity).keyFor(serial)!.privateKey;
    const visit = (value: unknown, parts: string[], at: string): void => {
      if (parts.length === 0) {
        if (typeof value !== 'string' || value === '') return;
        try {
          privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(value, 'base64'));
        } catch {
          throw paramError('body', at, `is not encrypted with the platform key ${serial} (RSA-OAEP)`);
        }
        return;
      }
      const [head, ...rest] = parts;
      if (head === '*') {
        if (Array.isArray(value)) value.forEach((item, i) => visit(item, rest, `${at}/${i}`));
      } else if (typeof value === 'object' && value !== null) {
        visit((value as Record<string, unknown>)[head!], rest, `${at}/${head}`);
      }
    };
    for (const pointer of pointers) visit(body, pointer.split('/').slice(1), '');
  }

  async #v2(incoming: Incoming, url: RequestUrl, endpoint: SandboxEndpoint, rawVars: Record<string, string>, notes: Notes): Promise<Reply> {
    const { identity } = this.runtime;
    let fields: Record<string, unknown>;
    let parts: Part[] | undefined;
    const boundary = boundaryOf(header(incoming.headers, 'content-type'));
    if (endpoint.method === 'get') {
      fields = queryObject(url.searchParams);
    } else if (boundary && endpoint.form) {
      try {
        parts = parseMultipart(incoming.body, boundary);
      } catch (error) {
        throw v2Fail(`the body is not multipart/form-data: ${(error as Error).message}`);
      }
      fields = Object.fromEntries(parts.filter((p) => p.filename === undefined).map((p) => [p.name, p.data.toString('utf8')]));
    } else {
      let parsed: Record<string, unknown>;
      try {
        parsed = parseV2Xml(incoming.body.toString('utf8'));
      } catch (error) {
        throw v2Fail(`XML格式错误: ${(error as Error).message}`);
      }
      fields = parsed;
    }
    const schema = endpoint.method === 'get' ? undefined : endpoint.body?.schema.properties;
    const merchantField = ['mch_id', 'mchid', 'combine_mch_id'].some((name) =>
      (schema && name in schema) || endpoint.query?.some((p) => p.name === name) || endpoint.form?.some((p) => p.name === name));
    const { type: signType, verdict } = verifyV2(fields, identity, { merchantField });
    notes.verdict = verdict;
    try {
      this.validator.check(endpoint, endpoint.method === 'get' ? 'query' : parts ? 'form' : 'body', { ...fields });
    } catch (error) {
      if (error instanceof PlatformError && error.detail) throw v2Fail(`参数错误: ${String(error.detail['field'])} ${String(error.detail['issue'])}`);
      throw error;
    }
    const call: Call = { runtime: this.runtime, endpoint, vars: rawVars, query: {}, body: fields, headers: incoming.headers, signType, ...(parts ? { parts } : {}) };
    return (await behaviourFor(endpoint)?.(call)) ?? exampleAnswer(call);
  }

  /** APIv2 failures: `return_code` FAIL (unsigned), or a business failure `result_code` FAIL (signed). */
  #v2Error(error: PlatformError, incoming: Incoming): Reply {
    if (error.code === 'FAIL') return v2({ return_code: 'FAIL', return_msg: error.message }, undefined, error.status);
    let type: V2SignType = 'MD5';
    let request: Record<string, unknown> = {};
    try {
      request = parseV2Xml(incoming.body.toString('utf8'));
      type = signTypeOf(request);
    } catch {
      // the request's sign type is unknown: MD5
    }
    const fields = signedFields(request);
    return v2({
      return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: error.code, err_code_des: error.message,
      ...(fields['appid'] ? { appid: fields['appid'] } : {}), mch_id: this.runtime.identity.mchid, nonce_str: nonce(),
    }, type);
  }
}

function parseJson(bytes: Buffer, location: 'body' | 'form', field: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw paramError(location, field, 'is not valid JSON');
  }
}
