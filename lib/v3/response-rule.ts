import { STATEMENTS, UNSIGNED_DOWNLOADS } from '../generated/routes.js';
import type { HttpVerb } from '../types.js';
import type { ResponseRule } from '../util/exchange.js';

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

/** A path or template without its query, fragment and leading slashes. */
export function bare(path: string): string {
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
