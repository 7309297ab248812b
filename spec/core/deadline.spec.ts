/**
 * `timeout` bounds the whole exchange of a buffered answer (core/deadline.ts): from the call to the last byte,
 * whatever is slow (the request body, the connection, the answer). A caller's AbortSignal ends it too. Streamed
 * downloads: it bounds the wait for the answer's headers, then each gap between two chunks.
 */
import { PassThrough, Readable } from 'node:stream';
import { Builder } from '../../lib/core/builder.js';
import { RequestError } from '../../lib/errors.js';
import { MediaUtil } from '../../lib/util/media.js';
import { AnswerServer, signedHeaders } from '../support/answer-server.js';
import { MCHID } from '../support/platform.js';
import { rejected } from '../support/thrown.js';

type AnyClient = any;
const server = new AnswerServer();

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.requests = 0;
  server.handle = (_request, response) => response.writeHead(200, signedHeaders([Buffer.from('{}')])).end('{}');
});

const client = (extra: Record<string, unknown> = {}): AnyClient => Builder.factory(server.config(extra));

/** A signed answer whose body comes one byte at a time, every `every` ms. */
function drip(body: string, every: number): void {
  server.handle = (_request, response) => {
    response.writeHead(200, signedHeaders([Buffer.from(body)]));
    let index = 0;
    const timer = setInterval(() => {
      if (response.destroyed) return clearInterval(timer);
      response.write(body.charAt(index++));
      if (index === body.length) {
        clearInterval(timer);
        response.end();
      }
    }, every);
    response.on('close', () => clearInterval(timer));
  };
}

async function typed(call: Promise<unknown>, code: string): Promise<RequestError> {
  const error = await rejected(call);
  expect(error).toBeInstanceOf(RequestError);
  expect(error).toMatchObject({ code });
  return error as RequestError;
}

describe('timeout bounds the whole exchange of a buffered answer', () => {
  it('fails a dripping answer (one byte every 200 ms, 3 s in all) with EREQUEST_TIMEOUT under timeout: 1000', async () => {
    drip('{"a":"0123456789"}', 200);
    const error = await typed(client().v3.a.get({ timeout: 1000 }), 'EREQUEST_TIMEOUT');
    expect(error.message).toMatch(/1000 ms/);
    expect(error).toMatchObject({ method: 'GET', url: `${server.baseURL}v3/a` });
  }, 10_000);

  it('takes the client-wide timeout too', async () => {
    drip('{"a":"0123456789"}', 200);
    await typed(client({ timeout: 1000 }).v3.a.get(), 'EREQUEST_TIMEOUT');
  }, 10_000);

  it('a dripping APIv2 answer as well', async () => {
    drip('<xml><return_code>SUCCESS</return_code></xml>', 200);
    await typed(client({ secret: 'V2SeCrEt0123456789abcdefghijklmn' }).v2.pay.orderquery.post({ xml: { mch_id: MCHID }, timeout: 1000 }), 'EREQUEST_TIMEOUT');
  }, 15_000);
});

describe('request bodies that are streams', () => {
  it('a stalled body stream ends with EREQUEST_TIMEOUT, nothing sent', async () => {
    await typed(client().v3.a.post({ body: new PassThrough(), timeout: 500 }), 'EREQUEST_TIMEOUT');
    expect(server.requests).toBe(0);
  }, 10_000);

  it("a stalled body stream ends with EREQUEST_ABORTED when the caller's signal fires", async () => {
    const error = await typed(client().v3.a.post({ body: new PassThrough(), signal: AbortSignal.timeout(500) }), 'EREQUEST_ABORTED');
    expect(error.message).toMatch(/signal/);
  }, 10_000);

  it('a stalled MediaUtil stream ends with EREQUEST_TIMEOUT', async () => {
    const media = new MediaUtil('a.png', new PassThrough());
    await typed(client().v3.merchant.media.upload.post({ multipart: media, timeout: 500 }), 'EREQUEST_TIMEOUT');
    expect(server.requests).toBe(0);
  }, 10_000);

  it('a multipart body that stalls while it is sent ends with EREQUEST_TIMEOUT', async () => {
    const stalled = new PassThrough();
    stalled.write('--boundary\r\n');
    const multipart = {
      getMeta: () => '{"filename":"a.png","sha256":"00"}',
      getContentType: () => 'multipart/form-data; boundary=boundary',
      getBody: () => stalled,
    };
    await typed(client().v3.merchant.media.upload.post({ multipart, timeout: 500 }), 'EREQUEST_TIMEOUT');
  }, 10_000);

  it('a body stream that errors rejects with EREQUEST_BODY, the stream error as its cause', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const error = await typed(client().v3.a.post({ body: failing }), 'EREQUEST_BODY');
    expect(error.message).toMatch(/disk on fire/);
    expect((error.cause as Error).message).toBe('disk on fire');
  });
});

describe('streamed downloads', () => {
  it('timeout bounds each gap between chunks: a stalled stream fails with EREQUEST_TIMEOUT', async () => {
    server.handle = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      response.write(Buffer.alloc(10));
    };
    const { data } = await client().v3.billdownload.file.get({ responseType: 'stream', timeout: 500 });
    const error = await rejected((async () => {
      for await (const _chunk of data as Readable) {
        // reading until the stream fails
      }
    })());
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'EREQUEST_TIMEOUT' });
  }, 10_000);

  it('a reader that takes its time is not a stall', async () => {
    server.handle = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      response.write(Buffer.alloc(100));
      setTimeout(() => response.end(Buffer.alloc(100)), 50);
    };
    const { data } = await client().v3.billdownload.file.get({ responseType: 'stream', timeout: 300 });
    await new Promise((resolve) => setTimeout(resolve, 900));
    let size = 0;
    for await (const chunk of data as Readable) size += (chunk as Buffer).length;
    expect(size).toBe(200);
  }, 10_000);

  it('not the whole download: a steady stream longer than timeout completes', async () => {
    server.handle = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      let sent = 0;
      const timer = setInterval(() => {
        response.write(Buffer.alloc(100));
        if (++sent === 12) {
          clearInterval(timer);
          response.end();
        }
      }, 100);
    };
    const { data } = await client().v3.billdownload.file.get({ responseType: 'stream', timeout: 500 });
    let size = 0;
    for await (const chunk of data as Readable) size += (chunk as Buffer).length;
    expect(size).toBe(1200);
  }, 10_000);
});
