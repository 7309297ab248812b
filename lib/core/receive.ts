import type { AxiosResponse } from 'axios';
import { RequestError } from '../errors.js';
import { readBody } from '../util/body.js';
import type { Exchange } from '../util/exchange.js';

/**
 * The answer as the call takes it: a streamed download (a 2xx, or a status the caller's `validateStatus`
 * accepts) stays a stream with no size limit, since it is checked by hash as it flows; every other answer,
 * errors of downloads included, is read into memory up to `maxContentLength` bytes counted after
 * decompression. Past the limit the read stops there (the connection is closed) and the call fails with
 * `EREQUEST_ANSWER_TOO_LARGE`: an oversized or decompression-bomb answer never fills memory.
 */
export async function receive(response: AxiosResponse, exchange: Exchange): Promise<AxiosResponse> {
  const { maxContentLength, streamed } = exchange.answer;
  const status = response.status;
  if (streamed && ((status >= 200 && status < 300) || exchange.acceptStatus?.(status))) return response;
  const method = response.config.method?.toUpperCase();
  const url = response.config.url;
  response.data = await readBody(response.data ?? '', {
    limit: maxContentLength,
    tooLarge: (size) => new RequestError('EREQUEST_ANSWER_TOO_LARGE',
      `${method} ${url}: the answer is larger than maxContentLength (${maxContentLength} bytes after decompression; ${size} read when ` +
      'the read stopped): give a larger maxContentLength to this call or to Builder.factory, or stream a file download with responseType: \'stream\'',
      { method, url, status }),
  });
  return response;
}
