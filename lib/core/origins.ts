/**
 * Where a signed request may go. A signature (APIv3 `Authorization`, APIv2 `sign`) is valid at the platform for
 * minutes: a request signed for a host the client was not given could be replayed from there to the platform.
 * So the SDK signs only for the origins of its configuration: `baseURL`, `backupBaseURL`, the platform's own
 * hosts of endpoints that live elsewhere (when `baseURL` is the platform's), and what `allowedOrigins` lists (a
 * proxy). Anything else, a whole-URL template or a per-call `baseURL` alike, is refused before signing.
 */
import { ConfigError, RequestError } from '../errors.js';
import { BASE_URIS } from '../generated/routes.js';
import { CREDENTIALS_PROBLEM, hasCredentials } from './request-rules.js';

/** The platform's hosts of endpoints that do not live on the default one (`x-base-uri` in the API description). */
const DOCUMENTED_ORIGINS: readonly string[] = [...new Set(Object.values(BASE_URIS).map((url) => new URL(url).origin))];

/** What decides the origins a client signs for. */
export interface OriginSettings {
  readonly baseURL: string;
  readonly backupBaseURL?: string | undefined;
  /** Whether `baseURL` was configured (else it is the platform's default host). */
  readonly customBaseURL: boolean;
  readonly allowedOrigins: readonly string[];
}

/** The origins a client signs requests for. */
export function signableOrigins(settings: OriginSettings): ReadonlySet<string> {
  return new Set([
    new URL(settings.baseURL).origin,
    ...(settings.backupBaseURL === undefined ? [] : [new URL(settings.backupBaseURL).origin]),
    ...(settings.customBaseURL ? [] : DOCUMENTED_ORIGINS),
    ...settings.allowedOrigins,
  ]);
}

/** `allowedOrigins` checked: each an http(s) origin (`https://proxy.example:8443`), written without a path. */
export function loadAllowedOrigins(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError('allowedOrigins', 'must be an array of origins such as https://proxy.example.com');
  return value.map((entry: unknown, index) => {
    const refuse = (problem: string) => new ConfigError(`allowedOrigins[${index}]`, problem);
    if (typeof entry !== 'string') throw refuse('must be a string');
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw refuse('is not a URL: give an origin such as https://proxy.example.com');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an http(s) origin');
    if (hasCredentials(url)) throw refuse(CREDENTIALS_PROBLEM);
    if (url.href !== `${url.origin}/`) {
      throw refuse(`must be an origin only (scheme, host, port), such as ${url.origin}`);
    }
    return url.origin;
  });
}

/** Refuses, before signing, a request for an origin the client does not sign for. */
export function checkOrigin(origins: ReadonlySet<string>, url: URL, template: string, method: string): void {
  if (origins.has(url.origin)) return;
  // Named by origin and path: the template may be the whole URL, its query a caller's data.
  const where = /^[a-z][a-z0-9+.-]*:/i.test(template) ? `${url.origin}${url.pathname}` : template;
  throw new RequestError('EREQUEST_ORIGIN',
    `${method} ${where}: the request would go to ${url.origin}, which is not this client's baseURL, backupBaseURL nor one of its allowedOrigins: ` +
    'it is not signed (a signed request sent elsewhere could be replayed to the platform); list a proxy in Builder.factory({ allowedOrigins })',
    { method, url: `${url.origin}${url.pathname}` });
}
