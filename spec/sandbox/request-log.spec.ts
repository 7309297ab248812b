/** The request log keeps at most the documented 16 KB of a body, whatever its form: text, multipart, bytes. */
import { LOGGED_BODY, loggedBody } from '../../lib/sandbox/server.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;

withSandbox((s) => {
  sandbox = s;
});

/** What a cut may add after the 16 KB: one line saying how much there was. */
const TRAILER = 120;

function multipart(parts: number, size: number): { body: Buffer; type: string } {
  const boundary = 'LogSpecBoundary';
  const chunks: Buffer[] = [];
  for (let i = 0; i < parts; i++) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n${'x'.repeat(size)}\r\n`));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

describe('the request log', () => {
  it('cuts a multipart body of many parts to 16 KB (not part by part)', () => {
    const { body, type } = multipart(40_000, 60);
    const logged = loggedBody(body, type);
    expect(logged.length).toBeLessThanOrEqual(LOGGED_BODY + TRAILER);
    expect(logged).toMatch(/^--- part "f0"\nx{60}\n--- part "f1"/);
    expect(logged).toMatch(new RegExp(`\\.\\.\\. \\(${body.length} bytes in all\\)$`));
  });

  it('cuts a multipart body of one large text part, and a description of bytes with a long type', () => {
    const { body, type } = multipart(1, 100_000);
    expect(loggedBody(body, type).length).toBeLessThanOrEqual(LOGGED_BODY + TRAILER);
    expect(loggedBody(Buffer.alloc(10), `image/png; ${'x'.repeat(40_000)}`).length).toBeLessThanOrEqual(LOGGED_BODY + TRAILER);
    expect(loggedBody(Buffer.from('x'.repeat(20_000)), 'text/plain').length).toBeLessThanOrEqual(LOGGED_BODY + TRAILER);
  });

  it('keeps a short multipart body whole', () => {
    const { body, type } = multipart(2, 3);
    expect(loggedBody(body, type)).toBe('--- part "f0"\nxxx\n--- part "f1"\nxxx');
  });

  it('logs a 3 MB unsigned upload of 40,000 parts in 16 KB', async () => {
    const { body, type } = multipart(40_000, 60);
    const answer = await fetch(`${sandbox.baseURL}v3/merchant/media/upload`, { method: 'POST', body, headers: { 'Content-Type': type } });
    expect(answer.status).toBe(401);
    const record = sandbox.requests.at(-1)!;
    expect(record.target).toBe('/v3/merchant/media/upload');
    expect(record.request.body.length).toBeLessThanOrEqual(LOGGED_BODY + TRAILER);
  }, 30_000);
});
