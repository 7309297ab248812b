/**
 * Server-sent events (`GET /__sandbox/events`) to a reader that stops reading: the sandbox does not buffer
 * for it without limit; once it is a bound behind, it is disconnected (an EventSource reconnects and the
 * console reloads what it shows).
 */
import { connect } from 'node:net';
import { SSE_BEHIND_LIMIT } from '../../lib/sandbox/console.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { inBatches } from '../integration/support.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;

withSandbox((s) => {
  sandbox = s;
});

describe('server-sent events', () => {
  it('disconnects a subscriber that stopped reading once it falls a bound behind', async () => {
    const { hostname, port, host } = new URL(sandbox.baseURL);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /__sandbox/events HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`);
    let received = 0;
    let closed = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('close', () => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.pause();

    // Every request is an event of about 16 KB (its body, as logged).
    let produced = 0;
    const count = sandbox.subscribe((event) => {
      produced += JSON.stringify(event.type === 'request' ? event.record : {}).length;
    });
    const body = 'x'.repeat(16 * 1024);
    await inBatches(Array.from({ length: 1200 }), 16, () => fetch(`${sandbox.baseURL}v3/pay/transactions/native`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } }).then((r) => r.arrayBuffer()));
    count();

    socket.resume();
    for (let i = 0; i < 200 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    socket.destroy();
    expect(produced).toBeGreaterThan(18 * 1024 * 1024);
    expect(closed).toBe(true);
    // What reached the reader: what the sockets held, and at most the bound the sandbox buffers.
    expect(received).toBeLessThan(produced / 2);
    expect(SSE_BEHIND_LIMIT).toBeLessThanOrEqual(4 * 1024 * 1024);
  }, 60_000);

  it('keeps a subscriber that reads', async () => {
    const answer = await fetch(`${sandbox.baseURL}__sandbox/events`);
    const reader = answer.body!.getReader();
    const text: string[] = [];
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text.push(Buffer.from(value).toString());
        if (text.join('').includes('"/v3/certificates"')) return;
      }
    })();
    await fetch(`${sandbox.baseURL}v3/certificates`);
    await reading;
    await reader.cancel();
    expect(text.join('')).toContain('event: request');
  });
});
