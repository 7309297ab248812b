/**
 * Header values come as AxiosHeaders, node's lower-cased IncomingHttpHeaders, a framework's own casing, or a
 * fetch `Headers` (or a `Map`) read through its `get`.
 */
export type HeaderBag = object;

interface ReadableHeaders {
  get(name: string): unknown;
  forEach(callback: (value: unknown, name: string) => void): void;
}

/** A fetch `Headers` or a `Map`: read through its methods, not its (empty) own properties. */
function isReadable(headers: HeaderBag): headers is ReadableHeaders {
  const bag = headers as Partial<ReadableHeaders>;
  if (typeof bag.get !== 'function' || typeof bag.forEach !== 'function') return false;
  // Bun's and Deno's Headers have a toJSON too: a fetch Headers is read through get whatever else it has.
  if (headers instanceof Map || (typeof Headers === 'function' && headers instanceof Headers)) return true;
  return typeof (headers as { toJSON?: unknown }).toJSON !== 'function';
}

/** The value of a header, whatever the casing of its name; repeated headers give their first value. */
export function headerOf(headers: HeaderBag | undefined | null, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const lower = name.toLowerCase();
  let value: unknown;
  if (isReadable(headers)) {
    value = headers.get(lower) ?? headers.get(name);
    if (value === undefined && headers instanceof Map) value = [...headers].find(([key]) => textOf(key)?.toLowerCase() === lower)?.[1];
  } else {
    const bag = headers as Record<string, unknown>;
    value = bag[name] ?? bag[lower] ?? Object.entries(bag).find(([key]) => key.toLowerCase() === lower)?.[1];
  }
  if (Array.isArray(value)) return value.length ? textOf(value[0]) : undefined;
  return value === undefined || value === null ? undefined : textOf(value);
}

/** A header value as text; a value that cannot be one (an object without a string form) is no value. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return String(value);
  } catch {
    return undefined;
  }
}

/** A plain object with lower-cased names and string values (what errors carry). */
export function plainHeaders(headers: HeaderBag | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || typeof headers !== 'object') return out;
  const add = (value: unknown, key: unknown) => {
    const name = textOf(key);
    const text = Array.isArray(value) ? value.map(textOf).join(', ') : value === undefined || value === null ? undefined : textOf(value);
    if (name !== undefined && text !== undefined) out[name.toLowerCase()] = text;
  };
  if (isReadable(headers)) {
    headers.forEach(add);
    return out;
  }
  const withJson = headers as { toJSON?: () => Record<string, unknown> };
  const source = typeof withJson.toJSON === 'function' ? withJson.toJSON() : (headers as Record<string, unknown>);
  for (const [key, value] of Object.entries(source)) add(value, key);
  return out;
}
