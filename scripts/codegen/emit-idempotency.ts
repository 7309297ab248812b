/**
 * lib/generated/idempotency.ts and docs/api/idempotency.md: the writes (POST, PUT, PATCH, DELETE) whose request
 * carries a merchant idempotency number, in its path or as a required top-level body field. The platform
 * answers a repeat of such a request with the first one's result (or "订单号重复"), never doing it twice, so the
 * client may send it again when its answer was lost (lib/core/retry.ts). Reads (GET) need no table.
 */
import type { Endpoint, Model } from './model.js';

/**
 * Field names that are a merchant idempotency number: `out_*_no` (out_trade_no, out_refund_no, out_bill_no,
 * out_batch_no, out_request_no, combine_out_trade_no, ...), the applyment's `business_code`, the
 * entrustment contract's `out_contract_code`, and fields the description itself names idempotent
 * (`idempotent_id`).
 */
export function isIdempotencyField(name: string): boolean {
  return /(^|_)out_[a-z0-9_]*_no$/.test(name) || name === 'business_code' || name === 'out_contract_code' || /idempot/.test(name);
}

export interface IdempotentEndpoint {
  /** `POST v3/pay/transactions/native` */
  key: string;
  /** Where the number is: `path {out_trade_no}` or `body out_trade_no`. */
  where: string;
}

/** The writes of the model that carry a merchant idempotency number, sorted by their key. */
export function idempotentEndpoints(endpoints: readonly Endpoint[]): IdempotentEndpoint[] {
  const out = new Map<string, IdempotentEndpoint>();
  for (const endpoint of endpoints) {
    if (endpoint.method === 'get') continue;
    const inPath = endpoint.parameters.path.map((p) => p.name).filter(isIdempotencyField);
    const inBody = (endpoint.body?.required === false ? [] : endpoint.body?.schema.required ?? []).filter(isIdempotencyField);
    if (inPath.length + inBody.length === 0) continue;
    const key = `${endpoint.method.toUpperCase()} ${endpoint.template}`;
    const where = [...inPath.map((name) => `path {${name}}`), ...inBody.map((name) => `body ${name}`)].join(', ');
    out.set(key, { key, where });
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function emitIdempotency(model: Model, header: string): string {
  const rows = idempotentEndpoints(model.endpoints);
  return header +
    '/**\n' +
    ' * Writes whose request carries a merchant idempotency number (in its path, or as a required body field):\n' +
    ' * the platform answers a repeat with the first result, so a lost answer may be asked for again (core/retry.ts).\n' +
    ' * `METHOD template`; reads (GET) are idempotent without being listed. docs/api/idempotency.md says which field.\n' +
    ' */\n' +
    `export const IDEMPOTENT_ENDPOINTS: readonly string[] = [\n${rows.map((row) => `  '${row.key}',\n`).join('')}];\n`;
}

export function emitIdempotencyDoc(model: Model, header: string): string {
  const rows = idempotentEndpoints(model.endpoints);
  const writes = model.endpoints.filter((e) => e.method !== 'get').length;
  return `${header}# Idempotent writes\n\n` +
    `${rows.length} of the ${writes} writes (POST, PUT, PATCH, DELETE) carry a merchant idempotency number, in their path or as a ` +
    'required body field: `out_*_no` (`out_trade_no`, `out_refund_no`, `out_bill_no`, `out_batch_no`, `out_request_no`, ...), ' +
    '`business_code`, `out_contract_code`, or a field the description names idempotent. When the answer to one of these is ' +
    'lost, or the platform answers 5xx, 429, `SYSTEM_ERROR` or `FREQUENCY_LIMITED`, the client sends it again with the same ' +
    'number (see [resilience](../resilience.md)). Any other write is retried only when it never reached the platform.\n\n' +
    '| Endpoint | Idempotency number |\n|---|---|\n' +
    rows.map((row) => `| \`${row.key}\` | ${row.where.split(', ').map((part) => `\`${part}\``).join(', ')} |`).join('\n') + '\n';
}
