/**
 * What the sandbox flow scenarios share: a merchant's notify_url that verifies and decrypts every
 * notification with plain node:crypto (not the SDK: the platform's RSA-SHA256 signature over
 * `timestamp\nnonce\nbody\n` with the key the `Wechatpay-Serial` names, then AES-256-GCM with the APIv3
 * key), and the control API over HTTP.
 */
import { createDecipheriv, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Client } from '../../lib/index.js';
import type { Sandbox, SandboxConfig, SandboxOptions } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

export interface Received {
  envelope: { id: string; create_time: string; event_type: string; resource_type: string; summary: string; resource: { original_type: string; algorithm: string; associated_data: string; nonce: string; ciphertext: string } };
  /** The decrypted resource. */
  resource: Record<string, unknown>;
  headers: Record<string, string>;
}

function keyOf(config: SandboxConfig, serial: string): KeyObject {
  const where = config.certs[serial];
  if (!where) throw new Error(`notification signed with an unknown serial ${serial}`);
  const pem = where.startsWith('file:') ? readFileSync(fileURLToPath(where), 'utf8') : where;
  return createPublicKey(pem);
}

/** Verifies and decrypts one notification with node:crypto alone; throws when either fails. */
export function openNotification(config: SandboxConfig, headers: Record<string, string>, body: string): Received {
  const timestamp = headers['wechatpay-timestamp']!;
  const nonce = headers['wechatpay-nonce']!;
  const signature = Buffer.from(headers['wechatpay-signature']!, 'base64');
  const message = Buffer.from(`${timestamp}\n${nonce}\n${body}\n`);
  if (!verify('RSA-SHA256', message, keyOf(config, headers['wechatpay-serial']!), signature)) throw new Error('notification signature does not verify');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) throw new Error('notification timestamp is not within 5 minutes of real time');
  const envelope = JSON.parse(body) as Received['envelope'];
  const { ciphertext, nonce: iv, associated_data: aad } = envelope.resource;
  const bytes = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(config.apiv3Key), Buffer.from(iv));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  decipher.setAAD(Buffer.from(aad));
  const plain = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  return { envelope, resource: JSON.parse(plain) as Record<string, unknown>, headers };
}

/** A merchant's notify_url: answers 204 (or what `answer` says), keeps every notification opened. */
export class Receiver {
  readonly received: Received[] = [];
  /** The status answered next (and after). */
  status = 204;
  #server: Server | undefined;
  #url = '';
  readonly #waiting: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly config: () => SandboxConfig) {}

  get url(): string {
    return this.#url;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        try {
          this.received.push(openNotification(this.config(), headers, Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'FAIL', message: (error as Error).message }));
          return;
        }
        res.writeHead(this.status).end();
        for (const waiter of [...this.#waiting]) {
          if (this.received.length >= waiter.count) {
            this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/notify`;
    return this;
  }

  /** Resolves once `count` notifications have arrived in all. */
  until(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ count, resolve }));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

/** A control API call: `[status, JSON answer]`. */
export async function control(baseURL: string, method: string, path: string, body?: unknown): Promise<[number, any]> {
  const response = await fetch(new URL(`__sandbox/${path}`, baseURL), {
    method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  return [response.status, await response.json()];
}

/**
 * A flow spec's sandbox and client (given to `use` once started) and a receiver of its notifications, started
 * and stopped around the spec file.
 */
export function useFlow(use: (sandbox: Sandbox, client: Client) => void, options?: SandboxOptions): Receiver {
  let current: Sandbox | undefined;
  const receiver = new Receiver(() => current!.config);
  withSandbox((sandbox, client) => {
    current = sandbox;
    use(sandbox, client);
  }, options);
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  return receiver;
}
