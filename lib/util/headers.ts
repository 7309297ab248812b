/** Header values come as AxiosHeaders, node's lower-cased IncomingHttpHeaders, or a framework's own casing. */
export type HeaderBag = object;

/** The value of a header, whatever the casing of its name; repeated headers give their first value. */
export function headerOf(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const bag = headers as Record<string, unknown>;
  const lower = name.toLowerCase();
  const value = bag[name] ?? bag[lower] ?? Object.entries(bag).find(([key]) => key.toLowerCase() === lower)?.[1];
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

/** A plain object with lower-cased names and string values (what errors carry). */
export function plainHeaders(headers: HeaderBag | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const withJson = headers as { toJSON?: () => Record<string, unknown> };
  const source = typeof withJson.toJSON === 'function' ? withJson.toJSON() : (headers as Record<string, unknown>);
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
