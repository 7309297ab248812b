/**
 * The send guard (core/send.ts): a request leaves only as it was signed. Settings that axios would apply
 * after the signer (Basic `auth`, `params`, credentials in the URL) are refused before anything is sent.
 */
import { Builder } from '../../lib/core/builder.js';
import { RequestError } from '../../lib/errors.js';
import { Platform } from '../support/platform.js';
import { rejected } from '../support/thrown.js';

type AnyClient = any;
const platform = new Platform();

beforeAll(() => platform.start());
beforeEach(() => {
  platform.respond = () => ({ body: '{"ok":true}' });
});
afterAll(() => platform.stop());

async function refusedWithoutSending(call: () => Promise<unknown>): Promise<RequestError> {
  const before = platform.requests.length;
  const error = await rejected(call());
  expect(error).toBeInstanceOf(RequestError);
  expect(error).toMatchObject({ code: 'EREQUEST_UNSIGNED' });
  expect(platform.requests.length).toBe(before);
  return error as RequestError;
}

describe('only signed requests leave', () => {
  it('refuses Basic auth given per request or to Builder.factory', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    const error = await refusedWithoutSending(() => client.v3.certificates.get({ auth: { username: 'u', password: 'secret-pass' } }));
    expect(error.message).toMatch(/auth/);
    expect(JSON.stringify(error)).not.toContain('secret-pass');
    const withAuth: AnyClient = Builder.factory(platform.config({ auth: { username: 'u', password: 'p' } }));
    await refusedWithoutSending(() => withAuth.v3.certificates.get());
  });

  it('refuses params given to Builder.factory (axios would add them to the URL after signing)', async () => {
    const client: AnyClient = Builder.factory(platform.config({ params: { mchid: '1' } }));
    const error = await refusedWithoutSending(() => client.v3.certificates.get());
    expect(error.message).toMatch(/query/);
  });

  it('refuses credentials in the base URL and never echoes them', async () => {
    const url = platform.baseURL.replace('http://', 'http://user:hunter2@');
    const client: AnyClient = Builder.factory(platform.config());
    const error = await refusedWithoutSending(() => client.v3.certificates.get({ baseURL: url }));
    expect(error.message).not.toContain('hunter2');
    expect(error.url).not.toContain('hunter2');
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it("guards the caller's own adapter too: it receives only the signed request", async () => {
    const seen: string[] = [];
    const client: AnyClient = Builder.factory(platform.config());
    const adapter = jest.fn(async (config: { url?: string }) => {
      seen.push(config.url ?? '');
      return { data: Buffer.from('{}'), status: 204, statusText: '', headers: {}, config };
    });
    await refusedWithoutSending(() => client.v3.certificates.get({ adapter, auth: { username: 'u', password: 'p' } }));
    expect(adapter).not.toHaveBeenCalled();
  });

  it('sends a request nothing changed after signing, which the platform accepts', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    await client.v3.certificates.get();
    expect(platform.last.authorized).toBe(true);
  });
});
