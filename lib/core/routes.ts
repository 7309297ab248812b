import { BASE_URIS, DYNAMIC_SEGMENTS, STATEMENTS, UNSIGNED_DOWNLOADS, V2_CERT_REQUIRED, V2_GET, V2_UNSIGNED_RESPONSES } from '../generated/routes.js';
import type { ResponseRule } from '../util/exchange.js';
import type { HttpVerb } from '../types.js';

/**
 * A regular expression matching concrete paths of the given templates (`{x}` = one segment), also behind
 * a path prefix (a base URL such as `https://apihk.mch.weixin.qq.com/hk/`, or a proxy's own prefix).
 */
function matcher(templates: readonly string[]): RegExp {
  const alternatives = templates.map((template) =>
    template.split(/\{[^}]+\}/).map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+'));
  return new RegExp(`^(?:[^?#]*/)?(?:${alternatives.join('|')})$`);
}

const unsigned = matcher(UNSIGNED_DOWNLOADS);
const statements = matcher(STATEMENTS);
const v2Get = new Set(V2_GET);
const v2CertRequired = new Set(V2_CERT_REQUIRED);
const v2Unsigned = new Set(V2_UNSIGNED_RESPONSES);

function bare(path: string): string {
  return path.replace(/[?#].*$/, '').replace(/^\/+/, '');
}

/**
 * How the answer to an APIv3 request is verified (docs/protocol.md#apiv3-response-verification), decided by the
 * path actually requested (the URL's path, base-URL prefix included, whichever way it was assembled): file
 * downloads (always GET; the uploads beside them are POST and signed) carry no signature, overseas statements
 * sign a SHA-1.
 */
export function responseRule(verb: HttpVerb, path: string): ResponseRule {
  const route = bare(path);
  if (statements.test(route)) return 'statement';
  if (verb === 'get' && unsigned.test(route)) return 'unsigned-download';
  return 'signed';
}

/** What the API description says of an APIv2 endpoint. */
export interface V2Traits {
  /** Its fields go in a signed query string (a GET endpoint). */
  get: boolean;
  /** It needs the merchant certificate (mutual TLS). */
  certRequired: boolean;
  /** It answers without a `sign`. */
  unsignedResponse: boolean;
}

/** What the API description says of an APIv2 endpoint (by its `v2/...` path). */
export function v2Traits(template: string): V2Traits {
  const route = bare(template);
  return { get: v2Get.has(route), certRequired: v2CertRequired.has(route), unsignedResponse: v2Unsigned.has(route) };
}

/** The host an endpoint lives on when it is not the default one (`x-base-uri`), by template. */
export function endpointBaseURI(template: string): string | undefined {
  return BASE_URIS[bare(template)];
}

/**
 * The variable segment (`{transaction_id}`) of a node whose only child is a variable, so that a property
 * there is a value (`client.v3.pay.transactions.id[orderId]`); undefined elsewhere.
 */
export function dynamicSegment(describedTemplate: string): string | undefined {
  return Object.hasOwn(DYNAMIC_SEGMENTS, describedTemplate) ? DYNAMIC_SEGMENTS[describedTemplate] : undefined;
}
