/**
 * The event types `sandbox trigger` knows (lib/cli/events.ts): every one the API description documents (its
 * `WechatpayNotificationEventType` list in scripts/codegen/openapi/v3/webhooks.yaml, read here with a YAML
 * parser; the generated NotificationEventType adds MCHTRANSFER.BILL.FINISHED by a fix-up), each with a resource built
 * from the documented answer it names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EVENT_TYPES, resourceOf } from '../../lib/cli/events.js';
import { loadData } from '../../lib/sandbox/data.js';

const described = (): string[] => {
  const file = join(__dirname, '..', '..', 'scripts', 'codegen', 'openapi', 'v3', 'webhooks.yaml');
  const yaml = parse(readFileSync(file, 'utf8')) as { WechatpayNotificationEventType: { enum: string[] } };
  return yaml.WechatpayNotificationEventType.enum;
};

describe('the event types of sandbox trigger', () => {
  it('are every event type the API description documents, with the one its fix-ups add (MCHTRANSFER.BILL.FINISHED)', () => {
    const documented = described();
    expect(documented.length).toBeGreaterThan(50);
    expect([...EVENT_TYPES.keys()].sort()).toEqual([...documented, 'MCHTRANSFER.BILL.FINISHED'].sort());
  });

  it('name endpoints the description has, with a documented answer', () => {
    const gets = new Set(loadData().endpoints.filter((endpoint) => endpoint.method === 'get' && endpoint.example.answer).map((endpoint) => endpoint.template));
    const missing = [...EVENT_TYPES].filter(([, event]) => event.from !== undefined && !gets.has(event.from)).map(([type]) => type);
    expect(missing).toEqual([]);
  });

  it.each([...EVENT_TYPES.keys()])('%s has a resource for the merchant, with its fields', (type) => {
    const resource = resourceOf(type, '1999999999');
    expect(Object.keys(resource).length).toBeGreaterThanOrEqual(2);
    for (const key of ['mchid', 'mch_id', 'sp_mchid']) if (typeof resource[key] === 'string') expect(resource[key]).toBe('1999999999');
    const event = EVENT_TYPES.get(type)!;
    for (const [key, value] of Object.entries(event.set ?? {})) {
      if (value === '<now>') expect(resource[key]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      else if (!['mchid', 'mch_id', 'sp_mchid'].includes(key)) expect(resource[key]).toEqual(value);
    }
  });

  it('shapes a payment as its query answers it, and a refund as the refund notification carries it', () => {
    const payment = resourceOf('TRANSACTION.SUCCESS', '1230000109', new Date('2025-01-01T00:00:00Z'));
    expect(payment).toMatchObject({ mchid: '1230000109', trade_state: 'SUCCESS', success_time: '2025-01-01T08:00:00+08:00', amount: { total: expect.any(Number) } });
    expect(typeof payment['out_trade_no']).toBe('string');
    const refund = resourceOf('REFUND.ABNORMAL', '1230000109');
    expect(Object.keys(refund).sort()).toEqual(['amount', 'mchid', 'out_refund_no', 'out_trade_no', 'refund_id', 'refund_status', 'success_time', 'transaction_id', 'user_received_account']);
    expect(refund['refund_status']).toBe('ABNORMAL');
    expect(Object.keys(refund['amount'] as object).sort()).toEqual(['payer_refund', 'payer_total', 'refund', 'total']);
    const transfer = resourceOf('MCHTRANSFER.BILL.FINISHED', '1230000109');
    expect(Object.keys(transfer).sort()).toEqual(['create_time', 'mch_id', 'openid', 'out_bill_no', 'state', 'transfer_amount', 'transfer_bill_no', 'update_time']);
    expect(transfer).toMatchObject({ mch_id: '1230000109', state: 'SUCCESS' });
    expect(() => resourceOf('NOT.A_TYPE', '1230000109')).toThrow('not an event type the API description documents');
  });
});
