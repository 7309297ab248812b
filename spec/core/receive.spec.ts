/**
 * Answers are bounded (core/receive.ts): a buffered JSON/XML answer is read up to `maxContentLength` bytes
 * after decompression, and the read stops there with a typed error; streamed downloads keep no limit.
 */
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { Builder } from '../../lib/core/builder.js';
import { ApiError, RequestError, VerificationError } from '../../lib/errors.js';
import { AnswerServer, jsonPieces, peakRssGrowth, signedHeaders, writePieces } from '../support/answer-server.js';
import { MCHID } from '../support/platform.js';
import { rejected } from '../support/thrown.js';

type AnyClient = any;
const MiB = 1024 * 1024;
const server = new AnswerServer();
let written: Promise<number> | undefined;

beforeAll(() => server.start());
afterAll(() => server.stop());
afterEach(() => {
  written = undefined;
});

const client = (extra: Record<string, unknown> = {}): AnyClient => Builder.factory(server.config(extra));

/** Answers every request with a signed JSON body of `size` bytes, streamed in pieces. */
function answerJson(size: number, signed = true): void {
  server.handle = (_request, response) => {
    response.writeHead(200, signed ? signedHeaders(jsonPieces(size)) : { 'Content-Type': 'application/json' });
    written = writePieces(response, jsonPieces(size));
  };
}

async function tooLarge(call: Promise<unknown>): Promise<RequestError> {
  const error = await rejected(call);
  expect(error).toBeInstanceOf(RequestError);
  expect(error).toMatchObject({ code: 'EREQUEST_ANSWER_TOO_LARGE' });
  return error as RequestError;
}

describe('the default limit of a buffered answer', () => {
  it('refuses a signed 64 MiB answer with EREQUEST_ANSWER_TOO_LARGE and stops reading it', async () => {
    answerJson(64 * MiB);
    const error = await tooLarge(client().v3.a.get());
    expect(error.message).toMatch(/maxContentLength/);
    expect(await written).toBeLessThan(32 * MiB);
  });

  it('counts decompressed bytes: a 32 MiB answer sent as a small gzip is refused too', async () => {
    const plain = Buffer.concat([...jsonPieces(32 * MiB)]);
    const packed = gzipSync(plain);
    expect(packed.length).toBeLessThan(MiB);
    server.handle = (_request, response) => {
      response.writeHead(200, { ...signedHeaders([plain]), 'Content-Encoding': 'gzip' }).end(packed);
    };
    await tooLarge(client().v3.a.get());
  });

  it('keeps RSS flat for a 200 MB answer', async () => {
    answerJson(200 * MiB, false);
    const growth = await peakRssGrowth(() => tooLarge(client().v3.a.get()));
    expect(growth).toBeLessThan(100 * MiB);
  }, 30_000);

  it('accepts an answer under the limit', async () => {
    answerJson(MiB);
    const { data } = await client().v3.a.get();
    expect(data.a).toHaveLength(MiB);
  });
});

describe('maxContentLength', () => {
  it('is set per client and per request (the request wins)', async () => {
    answerJson(2000);
    await tooLarge(client({ maxContentLength: 1000 }).v3.a.get());
    await tooLarge(client().v3.a.get({ maxContentLength: 1000 }));
    expect((await client({ maxContentLength: 1000 }).v3.a.get({ maxContentLength: 4000 })).status).toBe(200);
  });

  it('may raise the limit for a large answer, or lift it with -1', async () => {
    answerJson(12 * MiB);
    await tooLarge(client().v3.a.get());
    expect((await client().v3.a.get({ maxContentLength: 16 * MiB })).data.a).toHaveLength(12 * MiB);
    expect((await client({ maxContentLength: -1 }).v3.a.get()).status).toBe(200);
  });

  it('applies to APIv2 answers too', async () => {
    server.handle = (_request, response) => response.writeHead(200, { 'Content-Type': 'text/xml' }).end(`<xml><return_code>${'x'.repeat(5000)}</return_code></xml>`);
    await tooLarge(client({ secret: 'V2SeCrEt0123456789abcdefghijklmn' }).v2.pay.orderquery.post({ xml: { mch_id: MCHID }, maxContentLength: 1000 }));
  });

  it('is not applied to streamed downloads, which are checked by hash instead', async () => {
    const file = Buffer.alloc(3 * MiB, 'b');
    server.handle = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      written = writePieces(response, [file.subarray(0, MiB), file.subarray(MiB)]);
    };
    const response = await client({ maxContentLength: 1000 }).v3.billdownload.file.get({ responseType: 'stream' });
    expect(response.data).toBeInstanceOf(Readable);
    let size = 0;
    for await (const chunk of response.data as Readable) size += (chunk as Buffer).length;
    expect(size).toBe(3 * MiB);
  });

  it('bounds the error body of a streamed download that failed', async () => {
    server.handle = (_request, response) => {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      written = writePieces(response, jsonPieces(16 * MiB));
    };
    await tooLarge(client().v3.billdownload.file.get({ responseType: 'stream' }));
  });
});

describe('errors carry an excerpt of a body, never the whole of it', () => {
  it('VerificationError', async () => {
    answerJson(200_000, false);
    const error = await rejected(client().v3.a.get());
    expect(error).toBeInstanceOf(VerificationError);
    const { body } = error as VerificationError;
    expect(body!.length).toBeLessThanOrEqual(2100);
    expect(body!.startsWith('{"a":"xxx')).toBe(true);
  });

  it('ApiError', async () => {
    server.handle = (_request, response) => {
      response.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'SYSTEM_ERROR', message: 'busy', detail: 'y'.repeat(200_000) }));
    };
    const error = await rejected(client().v3.a.get());
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'SYSTEM_ERROR', status: 500 });
    expect((error as ApiError).body.length).toBeLessThanOrEqual(2100);
  });
});
