/**
 * The sandbox as a network service: a body over the limit is refused with 413 and the connection closed
 * (the rest is not read, nothing of it is kept); idle connections and slow requests are bounded.
 */
import { connect, type Socket } from 'node:net';
import { MAX_BODY } from '../../lib/sandbox/server.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;

withSandbox((s) => {
  sandbox = s;
});

function open(): Promise<Socket> {
  const { hostname, port } = new URL(sandbox.baseURL);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('connections', () => {
  it.each([
    ['a declared length', false],
    ['chunks', true],
  ])('answers 413 to a body over the limit sent in %s and closes the connection, though the client keeps it alive and is still sending', async (_, chunked) => {
    const socket = await open();
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    let closed = false;
    const close = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    void close.then(() => {
      closed = true;
    });
    const declared = MAX_BODY + 512 * 1024 * 1024;
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${declared}`;
    socket.write(`POST /v3/merchant/media/video_upload HTTP/1.1\r\nHost: ${new URL(sandbox.baseURL).host}\r\nConnection: keep-alive\r\n${framing}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    // Past the limit the client goes on slowly (20 MB/s): a server that read on would hold the socket for 25 s.
    while (!closed && sent < declared) {
      const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
      if (!socket.write(framed)) await new Promise((resolve) => setTimeout(resolve, 5));
      sent += chunk.length;
      if (sent > MAX_BODY) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await close;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(sent).toBeLessThan(MAX_BODY + 64 * 1024 * 1024);
  }, 60_000);

  it('still answers 413 with its JSON to a fetch that sends it all', async () => {
    const answer = await fetch(`${sandbox.baseURL}v3/merchant/media/video_upload`, { method: 'POST', body: Buffer.alloc(MAX_BODY + 1) });
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ code: 'PARAM_ERROR' });
  }, 30_000);

  describe('with tight limits', () => {
    let tight: Sandbox;
    beforeAll(async () => {
      tight = await startSandbox({ limits: { keepAliveTimeout: 200, headersTimeout: 300, requestTimeout: 600, maxConnections: 3 } });
    });
    afterAll(() => tight?.close());

    /** Opens a connection to `tight`, writes `text`, and resolves with how long until the sandbox closed it, and what it answered. */
    async function heldFor(text: string, within = 5000): Promise<{ ms: number; answer: string }> {
      const { hostname, port } = new URL(tight.baseURL);
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      const started = Date.now();
      socket.write(text);
      const ms = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(Infinity), within);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
      });
      socket.destroy();
      return { ms, answer };
    }

    it('closes an idle keep-alive connection', async () => {
      const { ms, answer } = await heldFor(`GET /__sandbox/settings HTTP/1.1\r\nHost: ${new URL(tight.baseURL).host}\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(ms).toBeLessThan(4000);
    });

    it('closes a connection whose headers never end, and one whose body never comes', async () => {
      expect((await heldFor(`GET /__sandbox/settings HTTP/1.1\r\nHost: ${new URL(tight.baseURL).host}\r\n`)).ms).toBeLessThan(4000);
      expect((await heldFor(`POST /v3/pay/transactions/native HTTP/1.1\r\nHost: ${new URL(tight.baseURL).host}\r\nContent-Length: 100\r\n\r\n{"a":`)).ms).toBeLessThan(4000);
    });

    it('refuses connections past the maximum', async () => {
      const { hostname, port } = new URL(tight.baseURL);
      const held = await Promise.all([0, 1, 2].map(() => new Promise<Socket>((resolve) => {
        const socket = connect(Number(port), hostname, () => resolve(socket));
      })));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Refused: closed with no answer (an accepted one would answer 200, then close when idle).
      const { ms, answer } = await heldFor(`GET /__sandbox/settings HTTP/1.1\r\nHost: ${new URL(tight.baseURL).host}\r\n\r\n`, 1000);
      expect([answer, ms < 1000]).toEqual(['', true]);
      for (const socket of held) socket.destroy();
    });

    it('refuses limits that are not whole numbers', async () => {
      await expect(startSandbox({ limits: { maxConnections: 0 } })).rejects.toThrow('limits.maxConnections is a whole number, 1 or more');
    });
  });
});
