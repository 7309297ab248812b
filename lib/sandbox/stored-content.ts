/**
 * How the sandbox serves what it keeps (uploaded media, the merchant's files, bills) at its own origin, so
 * that nothing in it can run there: a script in an uploaded SVG or HTML page, opened from its
 * `/__sandbox/media/...` address, would otherwise read the merchant's key at `/__sandbox/files/` and drive
 * the control API as the console does.
 *
 * - only a raster image type from the allow-list is shown inline; anything else is an attachment (downloaded);
 * - `X-Content-Type-Options: nosniff`: the browser never guesses another type;
 * - `Content-Security-Policy: sandbox; default-src 'none'`: even shown, it runs no script, loads nothing,
 *   and has an opaque origin (no access to the sandbox's pages or cookies).
 */

/** The types shown inline: images browsers render without running anything. */
export const INLINE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp'];

export const STORED_CONTENT_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'";

/** A type as served: the one stored when it reads as a MIME type, else bytes. */
function servedType(contentType: string): string {
  return /^[\w.+-]+\/[\w.+-]+( *;[ \w.+=";/-]*)?$/.test(contentType) ? contentType : 'application/octet-stream';
}

/** `attachment` with the name in ASCII (quotes, backslashes and controls replaced) and in full (RFC 6266 `filename*`). */
function attachment(filename: string | undefined): string {
  if (filename === undefined || filename === '') return 'attachment';
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** The headers of stored content: its type, inline only for an allowed image, never sniffed, sandboxed. */
export function storedContentHeaders(contentType: string, filename?: string): Record<string, string> {
  const type = servedType(contentType);
  const inline = INLINE_TYPES.includes(type.split(';')[0]!.trim().toLowerCase());
  return {
    'Content-Type': type,
    ...(inline ? {} : { 'Content-Disposition': attachment(filename) }),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': STORED_CONTENT_POLICY,
    'Cache-Control': 'no-store',
  };
}
