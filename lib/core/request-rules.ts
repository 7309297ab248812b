/**
 * The rules that keep a signed request the one that was signed, each stated once. The request path consults
 * them where a value enters it: the configuration (core/config.ts), a call's options (core/options.ts), the URL
 * a call is prepared for (core/prepare.ts, core/uri.ts), the hooks (core/hooks.ts) and the send guard
 * (core/send.ts), which checks again whatever ran after the signer.
 */

/** Why credentials in a URL are refused (the URL itself is never repeated: it holds a password). */
export const CREDENTIALS_PROBLEM = 'carries credentials (user:password@), which would replace the request signature with Basic authentication';

/** A URL written with credentials (`https://user:pass@host/`), whether or not it parses otherwise. */
const WRITTEN_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

/** Whether a URL (or a template written as a whole URL) carries a user or a password. */
export function hasCredentials(url: string | URL | undefined): boolean {
  if (url === undefined) return false;
  if (typeof url !== 'string') return url.username !== '' || url.password !== '';
  // userinfo needs an '@' in the URL as written: without one there is nothing to parse for.
  if (!url.includes('@')) return false;
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return WRITTEN_WITH_CREDENTIALS.test(url);
  }
}

/** A URL fit for an error message: credentials removed. */
export function withoutCredentials(url: string | undefined): string | undefined {
  if (!hasCredentials(url)) return url;
  try {
    const parsed = new URL(url!);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}

/** Why `transformRequest` is refused, per call and for the client. */
export const TRANSFORM_REQUEST_PROBLEM = 'is not supported: the SDK signs the exact bytes it serialises, and a transform would change those ' +
  'bytes after signing (the platform would answer SIGN_ERROR); shape `json`, or send your own bytes with `body`';

/** Redirects are never followed: axios's `maxRedirects` on every request the SDK sends. */
export const MAX_REDIRECTS = 0;

/** Why a `maxRedirects` setting is refused; undefined when it is absent or {@link MAX_REDIRECTS}. */
export function redirectProblem(value: unknown): string | undefined {
  if (value === undefined || value === MAX_REDIRECTS) return undefined;
  return `must be ${MAX_REDIRECTS}: a redirect would carry the signature to a URL it was not made for (the platform does not redirect API calls)`;
}

/**
 * Who owns a header, and so who may set it:
 * - `signature`: `Authorization`, written by the signer; nobody else, ever.
 * - `framing`: the headers that frame the bytes on the wire, written by the transport for exactly what it sends
 *   (a caller's value could only contradict it: a desync, a request smuggled behind the signed one, a hang).
 *   The SDK sets `Content-Length` itself only for an upload whose length it knows; the send guard compares it.
 * - `protocol`: `Accept`, `Content-Type`, `User-Agent`, `Wechatpay-Serial`: the SDK writes them, and a call's
 *   own `headers` may choose them before signing (wechatpay-php's callers name `Wechatpay-Serial` themselves);
 *   a hook, which runs after signing, may not.
 */
export type HeaderOwner = 'signature' | 'framing' | 'protocol';

const OWNERS: ReadonlyMap<string, HeaderOwner> = new Map<string, HeaderOwner>([
  ['authorization', 'signature'],
  ...['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection']
    .map((name): [string, HeaderOwner] => [name, 'framing']),
  ...['accept', 'content-type', 'user-agent', 'wechatpay-serial'].map((name): [string, HeaderOwner] => [name, 'protocol']),
]);

/** The owner of a header (by its lower-case name); undefined for a header the caller's own. */
export function headerOwner(lowerCaseName: string): HeaderOwner | undefined {
  return OWNERS.get(lowerCaseName);
}
