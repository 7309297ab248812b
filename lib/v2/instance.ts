import axios, { type AxiosInstance, type CreateAxiosDefaults, type InternalAxiosRequestConfig } from 'axios';
import { requestMeta } from '../core/request-meta.js';
import { apiError, asSdkError, exchangeFacts, finish, trimDefaults } from '../core/response.js';
import { Transformer } from '../util/transformer.js';
import { buildQuery } from '../core/uri.js';
import { readBody } from '../util/body.js';
import { headerOf, plainHeaders } from '../util/headers.js';
import { ACCEPT_XML, CONTENT_TYPE_XML, signPayload } from './signer.js';
import { verifyV2Response } from './verifier.js';

export interface V2Settings {
  axios: CreateAxiosDefaults;
  mchid: string;
  secret: string;
  userAgent: string;
}

/**
 * The APIv2 axios instance: its request interceptor fills `nonce_str`, signs the payload and writes it as
 * XML (or, for the GET endpoints, as the query); its response interceptor parses and verifies the XML.
 */
export function createV2Instance(settings: V2Settings): AxiosInstance {
  const instance = axios.create(settings.axios);
  instance.defaults.headers = {} as typeof instance.defaults.headers;
  trimDefaults(instance, settings.axios);
  instance.interceptors.request.use((config: InternalAxiosRequestConfig) => {
    const meta = requestMeta(config);
    const v2 = meta.v2!;
    const fields = signPayload(v2.xml, { mchid: settings.mchid, secret: settings.secret, nonceless: v2.nonceless });
    if (v2.get) {
      const url = new URL(config.url ?? '');
      const query = buildQuery(fields);
      url.search = url.search ? `${url.search}&${query}` : `?${query}`;
      config.url = url.href;
      config.data = undefined;
    } else {
      config.data = Transformer.toXml(fields);
    }
    config.headers.set('Accept', ACCEPT_XML, false);
    config.headers.set('Content-Type', CONTENT_TYPE_XML, false);
    config.headers.set('User-Agent', settings.userAgent, false);
    return config;
  });
  instance.interceptors.response.use(
    async (response) => {
      const meta = requestMeta(response.config);
      const raw = await readBody(response.data ?? '');
      const ok = response.status >= 200 && response.status < 300;
      if (!ok) {
        if (meta.validateStatus?.(response.status)) return finish(response, meta, raw.toString('utf8'));
        throw apiError(raw, { ...exchangeFacts(response), headers: plainHeaders(response.headers) });
      }
      // Downloads (bills) and HTML pages answer without XML when they succeed; their failures are XML.
      if (meta.v2!.unsigned && !/^\s*<xml[\s>]/.test(raw.subarray(0, 64).toString('utf8'))) {
        const type = (headerOf(response.headers, 'Content-Type') ?? '').toLowerCase();
        return finish(response, meta, /gzip|octet-stream/.test(type) ? raw : raw.toString('utf8'));
      }
      const data = verifyV2Response(raw, {
        secret: settings.secret,
        unsigned: meta.v2!.unsigned,
        facts: { ...exchangeFacts(response), headers: plainHeaders(response.headers) },
      });
      return finish(response, meta, data);
    },
    (error: unknown) => {
      throw asSdkError(error);
    },
  );
  return instance;
}
