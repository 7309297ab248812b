/**
 * A loopback server for answers the Platform stand-in cannot make: bodies streamed in pieces (large, slow,
 * compressed), signed with node:crypto over exactly the bytes the client will read. It records how many
 * bytes each answer got out before the client went away.
 */
import { createSign, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keyPair, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL } from './platform.js';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => unknown;

/** The Wechatpay-* headers of an answer whose (decoded) body is the concatenation of `pieces`. */
export function signedHeaders(pieces: Iterable<Buffer>): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const signer = createSign('sha256').update(`${timestamp}\n${nonce}\n`);
  for (const piece of pieces) signer.update(piece);
  signer.update('\n');
  return {
    'Content-Type': 'application/json',
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': PLATFORM_SERIAL,
    'Wechatpay-Signature': signer.sign(keyPair('platform').privateKey, 'base64'),
  };
}

/** `{"a":"xxx...x"}` of about `size` bytes, as `count` pieces (JSON, so a client that reads it all could parse it). */
export function* jsonPieces(size: number, piece = 64 * 1024): Generator<Buffer> {
  const filler = Buffer.alloc(piece, 'x');
  yield Buffer.from('{"a":"');
  for (let sent = 0; sent < size; sent += piece) yield size - sent >= piece ? filler : filler.subarray(0, size - sent);
  yield Buffer.from('"}');
}

/** Writes pieces with backpressure; resolves with the bytes written before the end or the client's hang-up. */
export async function writePieces(response: ServerResponse, pieces: Iterable<Buffer>): Promise<number> {
  let written = 0;
  for (const piece of pieces) {
    if (response.destroyed) break;
    written += piece.length;
    if (!response.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off('drain', done).off('close', done);
          resolve();
        };
        response.on('drain', done).on('close', done);
      });
    }
  }
  if (!response.destroyed) response.end();
  return written;
}

export class AnswerServer {
  handle: Handler = (_request, response) => response.end();
  server: Server | undefined;
  baseURL = '';
  requests = 0;

  /** A client configuration for this server: the merchant of the Platform stand-in, trusting its certificate. */
  config(extra: Record<string, unknown> = {}) {
    return {
      mchid: MCHID,
      serial: MERCHANT_SERIAL,
      privateKey: keyPair('merchant').privatePem,
      certs: { [PLATFORM_SERIAL]: keyPair('platform').publicPem },
      baseURL: this.baseURL,
      ...extra,
    };
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests += 1;
        void Promise.resolve(this.handle(request, response, Buffer.concat(chunks))).catch(() => response.destroy());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseURL = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

/** Peak RSS growth (bytes) while `run` runs, sampled every few milliseconds. */
export async function peakRssGrowth(run: () => Promise<unknown>): Promise<number> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    await run();
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  return peak - before;
}
