import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import type { PlatformKeys } from '../core/platform-keys.js';
import { requestMeta } from '../core/request-meta.js';
import { apiError, asSdkError, exchangeFacts, finish, parseBody, trimDefaults } from '../core/response.js';
import type { SensitiveFields } from '../helpers/sensitive.js';
import { bytesOf, readBody } from '../util/body.js';
import { plainHeaders } from '../util/headers.js';
import { createSigner, type MerchantCredentials } from './signer.js';
import { verifySigned } from './verifier.js';

export interface V3Settings {
  axios: CreateAxiosDefaults;
  merchant: MerchantCredentials;
  userAgent: string;
  sensitive: SensitiveFields;
  platformKeys: () => PlatformKeys;
  maxClockOffset: number;
}

/** The APIv3 axios instance: the signer as its request interceptor, verification as its response interceptor. */
export function createV3Instance(settings: V3Settings): AxiosInstance {
  const instance = axios.create(settings.axios);
  // Every request carries its complete headers; axios's per-method default headers would only be deep-copied each time.
  instance.defaults.headers = {} as typeof instance.defaults.headers;
  trimDefaults(instance, settings.axios);
  // Synchronous: the client has already read any stream body, so signing needs no extra turn of the event loop.
  instance.interceptors.request.use(createSigner(settings.merchant, settings.userAgent, (body) => settings.sensitive.serialFor(body)), undefined, { synchronous: true });
  instance.interceptors.response.use(
    async (response) => {
      const meta = requestMeta(response.config);
      const ok = response.status >= 200 && response.status < 300;
      if (ok && meta.rule === 'unsigned-download') return finish(response, meta, response.data);

      const raw = bytesOf(response.data) ?? await readBody(response.data ?? '');
      if (ok) {
        verifySigned({ headers: response.headers, raw, facts: () => exchangeFacts(response) }, {
          keys: settings.platformKeys().byId,
          maxClockOffset: settings.maxClockOffset,
          statement: meta.rule === 'statement',
        });
        return finish(response, meta, parseBody(raw, response.headers));
      }
      if (meta.validateStatus?.(response.status)) return finish(response, meta, parseBody(raw, response.headers));
      throw apiError(raw, { ...exchangeFacts(response), headers: plainHeaders(response.headers) });
    },
    (error: unknown) => {
      throw asSdkError(error);
    },
  );
  return instance;
}
