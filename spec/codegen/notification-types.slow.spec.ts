/**
 * lib/generated/notifications.ts comes from the description: every event type of its (fixed)
 * `WechatpayNotificationEventType` enum, once, in order; the resource table names only listed event types
 * and endpoints that answer with a type.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openapiDir } from '../../scripts/codegen/data-dir.js';
import { emitNotifications, eventTypesOf } from '../../scripts/codegen/emit-notifications.js';
import { applyFixUps } from '../../scripts/codegen/fixups.js';
import { loadSource } from '../../scripts/codegen/load.js';
import type { Model } from '../../scripts/codegen/model.js';
import { NOTIFICATION_RESOURCES } from '../../scripts/codegen/notification-resources.js';
import type { TypeEmitter } from '../../scripts/codegen/emit-types.js';

const root = join(__dirname, '..', '..');
const source = loadSource(openapiDir(root));
applyFixUps(source);
const generated = readFileSync(join(root, 'lib', 'generated', 'notifications.ts'), 'utf8');

describe('the generated notification types', () => {
  it('list every event type of the description, once, in its order', () => {
    const union = /export type NotificationEventType =\n([\s\S]*?);\n/.exec(generated)![1]!;
    const listed = [...union.matchAll(/\| '([^']+)'/g)].map((match) => match[1]);
    expect(listed).toEqual(eventTypesOf(source));
    expect(listed).toEqual(expect.arrayContaining(['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED', 'COUPON.USE']));
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('type the resources the table names, each an event type the description lists', () => {
    const events = eventTypesOf(source);
    for (const event of Object.keys(NOTIFICATION_RESOURCES)) {
      expect(events).toContain(event);
      expect(generated).toContain(`  '${event}': `);
    }
    expect(generated).toMatch(/'TRANSACTION\.SUCCESS': V3PayTransactionsOutTradeNoByOutTradeNoGetData;/);
    expect(generated).toMatch(/'REFUND\.SUCCESS': RefundNotificationResource;/);
  });

  it('stop the generator when the table names an endpoint without an answer type', () => {
    const model = { endpoints: [] } as unknown as Model;
    const types = { dataTypeOf: () => undefined } as unknown as TypeEmitter;
    expect(() => emitNotifications(source, model, types, '')).toThrow(/TRANSACTION\.SUCCESS names GET v3\/pay\/transactions\/out-trade-no/);
  });
});
