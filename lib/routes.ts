import type { ResponseRule } from './request-meta.js';

/**
 * APIv3 answers that carry no signature (file downloads, PROTOCOL.md section 5): their integrity is
 * checked by a hash instead. Media downloads are by `{media_id}`; the upload next to them is signed.
 */
const UNSIGNED_DOWNLOADS = [
  'v3/billdownload/file',
  'v3/transferdownload/{any}',
  'v3/transferdownload/{any}/{any}',
  'v3/merchant-service/images/{media_id}',
];
/** Overseas statements: the signed body is `{"sha1":"..."}` (PROTOCOL.md section 5). */
const STATEMENTS = ['hk/v3/statements', 'v3/global/statements'];
const SIGNED_EXCEPTIONS = ['v3/merchant-service/images/upload'];

function matcher(templates: readonly string[]): RegExp {
  const alternatives = templates.map((template) =>
    template.split(/\{[^}]+\}/).map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

const unsigned = matcher(UNSIGNED_DOWNLOADS);
const statements = matcher(STATEMENTS);
const signedExceptions = matcher(SIGNED_EXCEPTIONS);

/** How the answer to a request on this expanded path (no query, relative to the base URL) is verified. */
export function responseRule(path: string): ResponseRule {
  const bare = path.replace(/[?#].*$/, '').replace(/^\/+/, '');
  if (statements.test(bare)) return 'statement';
  if (unsigned.test(bare) && !signedExceptions.test(bare)) return 'unsigned-download';
  return 'signed';
}
