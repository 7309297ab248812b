import { Readable } from 'node:stream';
import type { AxiosResponse } from 'axios';
import { RequestError } from '../errors.js';
import { bytesOf, readBody } from '../util/body.js';
import type { Exchange } from '../util/exchange.js';

/**
 * The answer as the call takes it: a streamed download (a 2xx, or a status the caller's `validateStatus`
 * accepts) stays a stream with no size limit, since it is checked by hash as it flows; every other answer,
 * errors of downloads included, is read into memory up to `maxContentLength` bytes counted after
 * decompression. Past the limit the read stops there (the connection is closed) and the call fails with
 * `EREQUEST_ANSWER_TOO_LARGE`: an oversized or decompression-bomb answer never fills memory.
 */
export function receive(response: AxiosResponse, exchange: Exchange): AxiosResponse | Promise<AxiosResponse> {
  const { maxContentLength, streamed } = exchange.answer;
  const status = response.status;
  if (streamed && ((status >= 200 && status < 300) || exchange.acceptStatus?.(status))) return response;
  const data: unknown = response.data ?? '';
  if (data instanceof Readable) return readBounded(data, maxContentLength, response);
  const bytes = bytesOf(data);
  if (bytes) {
    if (maxContentLength >= 0 && bytes.length > maxContentLength) throw tooLarge(response, maxContentLength, bytes.length);
    response.data = bytes;
    return response;
  }
  return readBody(data, { limit: maxContentLength, tooLarge: (size) => tooLarge(response, maxContentLength, size) }).then((read) => {
    response.data = read;
    return response;
  });
}

/**
 * A body stream read whole into `response.data`, up to `limit` bytes (-1: no limit): past it the stream is
 * destroyed (nothing more is read, the connection closes). Its events, not its async iterator: the common
 * answer is one chunk, and the iterator's machinery cost more than the read.
 */
function readBounded(stream: Readable, limit: number, response: AxiosResponse): Promise<AxiosResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    stream.on('data', (chunk: unknown) => {
      if (settled) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : bytesOf(chunk);
      if (!bytes) {
        settled = true;
        stream.destroy();
        reject(new TypeError('A body stream must yield strings or bytes'));
        return;
      }
      size += bytes.length;
      if (limit >= 0 && size > limit) {
        settled = true;
        stream.destroy();
        reject(tooLarge(response, limit, size));
        return;
      }
      chunks.push(bytes);
    });
    stream.once('end', () => {
      if (settled) return;
      settled = true;
      response.data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      resolve(response);
    });
    stream.once('error', (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    stream.once('close', () => {
      if (settled) return;
      settled = true;
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

function tooLarge(response: AxiosResponse, maxContentLength: number, size: number): RequestError {
  const method = response.config.method?.toUpperCase();
  const url = response.config.url;
  return new RequestError('EREQUEST_ANSWER_TOO_LARGE',
    `${method} ${url}: the answer is larger than maxContentLength (${maxContentLength} bytes after decompression; ${size} read when ` +
    'the read stopped): give a larger maxContentLength to this call or to Builder.factory, or stream a file download with responseType: \'stream\'',
    { method, url, status: response.status });
}
