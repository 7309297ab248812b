/**
 * lib/generated/notifications.ts: every notification `event_type` the API description lists, and the
 * decrypted resource type of those whose shape is known (notification-resources.ts), so that a handler
 * for `TRANSACTION.SUCCESS` receives the order's type.
 */
import { isObject, type Source } from './load.js';
import type { Model } from './model.js';
import { docComment } from './naming.js';
import { NOTIFICATION_RESOURCES } from './notification-resources.js';
import { objectType, type TypeEmitter } from './emit-types.js';

const WEBHOOKS = 'v3/webhooks.yaml';
const EVENT_TYPES = 'WechatpayNotificationEventType';

/** The event types of the (fixed) description, in its order, each once. */
export function eventTypesOf(source: Source): string[] {
  const schema = source.files.get(WEBHOOKS)?.[EVENT_TYPES];
  const values = isObject(schema) && Array.isArray(schema.enum) ? schema.enum : undefined;
  if (!values || values.length === 0) throw new Error(`${WEBHOOKS}#/${EVENT_TYPES}: no enum of event types`);
  return [...new Set(values.map(String))];
}

export function emitNotifications(source: Source, model: Model, types: TypeEmitter, header: string): string {
  const events = eventTypesOf(source);
  const imports = new Set<string>();
  const declared = new Map<string, string>();
  const entries: string[] = [];
  for (const [event, resource] of Object.entries(NOTIFICATION_RESOURCES)) {
    if (!events.includes(event)) throw new Error(`notification-resources.ts names ${event}, which ${WEBHOOKS} does not list`);
    let type: string;
    if ('endpoint' in resource) {
      const endpoint = model.endpoints.find((e) => e.template === resource.endpoint && e.method === resource.method);
      const data = endpoint && types.dataTypeOf(endpoint);
      if (!data) throw new Error(`notification-resources.ts: ${event} names ${resource.method.toUpperCase()} ${resource.endpoint}, which has no answer type`);
      imports.add(data);
      type = data;
    } else {
      if (!declared.has(resource.name)) {
        declared.set(resource.name, `${docComment([resource.doc], '')}export interface ${resource.name} ${objectType(resource.schema, { side: 'response', xml: false }, '')}\n`);
      }
      type = resource.name;
    }
    entries.push(`  '${event}': ${type};\n`);
  }
  const importLine = imports.size ? `import type { ${[...imports].sort().join(', ')} } from './endpoints.js';\n\n` : '';
  return `${header}${importLine}` +
    '/** Every notification `event_type` the API description lists. */\n' +
    `export type NotificationEventType =\n${events.map((e) => `  | '${e}'\n`).join('').replace(/\n$/, ';\n')}\n` +
    [...declared.values()].join('\n') + '\n' +
    '/** The decrypted `resource` of the event types whose shape is known. */\n' +
    `export interface NotificationResources {\n${entries.join('')}}\n`;
}
