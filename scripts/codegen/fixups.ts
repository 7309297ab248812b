/**
 * The reviewed fix-up table: every known error in the API description, what was wrong, and the fix.
 *
 * - Entries patch one place of one file, before `$ref` resolution (so a fixed definition is fixed for
 *   every endpoint using it). Each checks that the data there still has the error it describes and throws
 *   otherwise: a data update that fixes (or moves) an error stops the generator until the table is reviewed.
 * - Rules fix a whole class of error wherever it occurs; every place they change is reported
 *   (docs/api/fix-ups.md) and counted.
 *
 * The model builder refuses data errors that neither covers (invalid types, unknown keywords, path
 * variables without a declared, required path parameter...), so this table is complete for the data's commit.
 */
import { isObject, type Json, type JsonObject, type Source } from './load.js';

export type FixKind =
  | 'invalid-type'
  | 'emptied-properties'
  | 'misindented-properties'
  | 'required-flag-in-property'
  | 'misspelled-keyword'
  | 'array-without-items'
  | 'path-variable'
  | 'path-parameter-not-required'
  | 'missing-produces'
  | 'misspelled-property'
  | 'incomplete-schema'
  | 'example-breaks-schema'
  | 'not-an-endpoint';

export interface FixUp {
  kind: FixKind;
  /** Data file, relative to the data root. */
  file: string;
  /** JSON pointer of the node the fix changes. */
  at: string;
  /** What was wrong, for the reviewer. */
  was: string;
  /** True while the error is still in the data (checked before applying). */
  check(node: JsonObject): boolean;
  /** The fix; `parents` are the enclosing nodes, nearest first. */
  apply(node: JsonObject, parents: JsonObject[]): void;
}

/** Classes of error fixed wherever they occur. */
export const RULES = {
  'bare-fragment-ref': '`$ref: File.yaml#Name` (no slash after `#`) is read as `File.yaml#/Name`.',
  'leading-zero-number': 'A plain scalar like `013467007045764` (an id) is kept as the string it is written as, not a number.',
  'tag-not-tags': 'An operation lists its business tags under `tag:` instead of `tags:`; read as `tags`.',
  'required-not-in-properties': 'A `required` name with no such property is dropped (it can be neither typed nor sent).',
  'not-indexed': 'An endpoint file that swagger.yaml does not list is still an endpoint (the index is incomplete).',
  'enum-over-max-length': 'A `maxLength` shorter than one of the field\'s own `enum` values (`HMAC-SHA256` under `maxLength: 10`) is dropped: the enum is what the platform takes.',
} as const;
export type RuleName = keyof typeof RULES;

export interface RuleHit {
  rule: RuleName;
  where: string;
  detail?: string;
}

export interface FixUpReport {
  applied: Array<{ kind: FixKind; file: string; at: string; was: string }>;
  hits: RuleHit[];
  excluded: Array<{ file: string; method: string; why: string }>;
}

// ---------------------------------------------------------------------------------------------------
// Entry builders: one per kind of error, so every entry reads as "where, what was wrong".

const schemaTypes = ['string', 'integer', 'number', 'boolean', 'object', 'array'];

/** `type:` holds something that is not a type. When it holds an example value, keep that as the example. */
function invalidType(file: string, at: string, bad: string, to: string, was: string, exampleFromType = false): FixUp {
  return {
    kind: 'invalid-type', file, at, was,
    check: (node) => node.type === bad,
    apply(node) {
      node.type = to;
      if (exampleFromType) node.example = bad;
    },
  };
}

/** `properties:` left empty (null) by bad indentation; the property schemas sit beside it, or are lost. */
function emptiedProperties(file: string, at: string, keys: string[], was: string): FixUp {
  return {
    kind: 'emptied-properties', file, at, was,
    check: (node) => node.properties === null && keys.every((k) => isObject(node[k])),
    apply(node) {
      if (keys.length === 0) {
        delete node.properties;
        return;
      }
      const properties: JsonObject = {};
      for (const key of keys) {
        properties[key] = node[key]!;
        Reflect.deleteProperty(node, key);
      }
      node.properties = properties;
    },
  };
}

/** Property schemas indented one level too deep: they sit inside a sibling property's schema. */
function misindentedProperties(file: string, at: string, keys: string[], was: string): FixUp {
  return {
    kind: 'misindented-properties', file, at, was,
    check: (node) => keys.every((k) => isObject(node[k]) && !schemaTypes.includes(k)),
    apply(node, [properties]) {
      for (const key of keys) {
        properties![key] = node[key]!;
        Reflect.deleteProperty(node, key);
      }
    },
  };
}

/** `required: true` written inside a property schema (Swagger wants the name in the object's `required` list). */
function requiredFlag(file: string, at: string, was: string): FixUp {
  const name = at.split('/').at(-1)!;
  return {
    kind: 'required-flag-in-property', file, at, was,
    check: (node) => node.required === true,
    apply(node, [, schema]) {
      delete node.required;
      const list = Array.isArray(schema!.required) ? schema!.required : [];
      if (!list.includes(name)) list.push(name);
      schema!.required = list;
    },
  };
}

function renameKey(file: string, at: string, from: string, to: string, was: string): FixUp {
  return {
    kind: 'misspelled-keyword', file, at, was,
    check: (node) => from in node && !(to in node),
    apply(node) {
      node[to] = node[from]!;
      Reflect.deleteProperty(node, from);
    },
  };
}

/** Every parameter of a list: `require:` instead of `required:`. */
function misspelledRequire(file: string, at: string, was: string): FixUp {
  return {
    kind: 'misspelled-keyword', file, at, was,
    check: (node) => Object.values(node).some((p) => isObject(p) && 'require' in p),
    apply(node) {
      for (const p of Object.values(node)) {
        if (isObject(p) && 'require' in p) {
          p.required = p.require!;
          delete p.require;
        }
      }
    },
  };
}

function arrayWithoutItems(file: string, at: string, items: JsonObject, was: string): FixUp {
  return {
    kind: 'array-without-items', file, at, was,
    check: (node) => node.type === 'array' && node.items === undefined,
    apply(node) {
      node.items = items;
    },
  };
}

/** A path parameter declared with another name, in another place, or not at all. `at` points at the parameter list. */
function pathVariable(file: string, at: string, was: string, fix: (params: Json[]) => void, check: (params: Json[]) => boolean): FixUp {
  return {
    kind: 'path-variable', file, at, was,
    check: (node) => Array.isArray(node) && check(node as unknown as Json[]),
    apply: (node) => fix(node as unknown as Json[]),
  };
}
const param = (params: Json[], name: string): JsonObject | undefined => params.filter(isObject).find((p) => p.name === name);

/** `at` points at the parameter list; `name` is the path parameter lacking `required: true`. */
function pathParamNotRequired(file: string, at: string, name: string): FixUp {
  return {
    kind: 'path-parameter-not-required', file, at, was: `path parameter ${name} without \`required: true\``,
    check: (node) => Array.isArray(node) && param(node as unknown as Json[], name)?.in === 'path' && param(node as unknown as Json[], name)?.required !== true,
    apply(node) {
      const p = param(node as unknown as Json[], name)!;
      p.required = true;
      delete p.nullable;
    },
  };
}

/** A property name with a typo; `at` points at the `properties` object. */
function misspelledProperty(file: string, at: string, from: string, to: string): FixUp {
  return {
    kind: 'misspelled-property', file, at, was: `property \`${from}\` (should be \`${to}\`)`,
    check: (node) => from in node && !(to in node),
    apply(node) {
      // Rebuild to keep the property order.
      const entries = Object.entries(node).map(([k, v]): [string, Json] => [k === from ? to : k, v]);
      for (const k of Object.keys(node)) Reflect.deleteProperty(node, k);
      Object.assign(node, Object.fromEntries(entries));
    },
  };
}

/** The answer's media type is not described (no `produces`, an empty schema). */
function missingProduces(file: string, at: string, produces: string[], was: string): FixUp {
  return {
    kind: 'missing-produces', file, at, was,
    check: (node) => node.produces === undefined,
    apply(node) {
      node.produces = produces;
    },
  };
}

/** A schema that leaves out fields the official documentation (and the platform's answer) has. */
function incompleteSchema(file: string, at: string, was: string, check: (node: JsonObject) => boolean, apply: (node: JsonObject) => void): FixUp {
  return { kind: 'incomplete-schema', file, at, was, check, apply };
}

/** A documented request example (or the constraint beside it) that the schema refuses; `at` points at the property. */
function exampleBreaksSchema(file: string, at: string, was: string, check: (node: JsonObject) => boolean, apply: (node: JsonObject) => void): FixUp {
  return { kind: 'example-breaks-schema', file, at, was, check, apply };
}

function notAnEndpoint(file: string, at: string, was: string): FixUp {
  return { kind: 'not-an-endpoint', file, at, was, check: () => true, apply: () => undefined };
}

// ---------------------------------------------------------------------------------------------------
// The table.

const R200 = 'responses/200/schema/properties';
const stringItems = { type: 'string' };

export const FIXUPS: readonly FixUp[] = [
  // 13 invalid `type` values.
  invalidType('definitions/querycontract.yaml', '/querycontract.response/allOf/0/properties/request_serial', 'uint64', 'integer', '`type: uint64` is not a JSON Schema type (an unsigned integer)'),
  invalidType('v2/transit/queryorder.yaml', '/post/parameters/0/schema/allOf/0/properties/out_trade_no', '20150806125346', 'string', 'the example value was written as the type (and prose as the example)', true),
  invalidType('v2/transit/partnerpay/queryorder.yaml', '/post/parameters/0/schema/allOf/0/properties/out_trade_no', '20150806125346', 'string', 'the example value was written as the type (and prose as the example)', true),
  invalidType('v2/transit/pay/querystate.yaml', '/post/parameters/0/schema/properties/sign', 'ee088059bbc9141264f8d14293ad6c4bb94cea8c08aa98fbf93e262d445f8ff5', 'string', 'the example value was written as the type', true),
  invalidType('v2/transit/pay/querystate.yaml', '/post/parameters/0/schema/properties/openid', 'oyobu0dmn6tdodznfwkoekqorbi8', 'string', 'the example value was written as the type', true),
  invalidType('v2/vehicle/pay/querystate.yaml', '/post/parameters/0/schema/allOf/0/properties/plate_number', '粤b888888', 'string', 'the example value was written as the type (and prose as the example)', true),
  invalidType('v2/vehicle/partnerpay/querystate.yaml', '/post/parameters/0/schema/allOf/0/properties/sub_openid', 'oupf8umuajo_m2pxb1q9znjwes6o', 'string', 'the example value was written as the type (and prose as the example)', true),
  invalidType('v2/vehicle/partnerpay/querystate.yaml', '/post/parameters/0/schema/allOf/0/properties/plate_number', '粤b888888', 'string', 'the example value was written as the type (and prose as the example)', true),
  invalidType('v2/wxv/finishhotelbill.yaml', '/post/parameters/0/schema/allOf/0/properties/other_fee_desc', '早餐2份，每份50元', 'string', 'the example value was written as the type (and prose as the example)', true),
  invalidType('v3/discount-card/cards/{out_card_code}.yaml', `/get/${R200}/openid`, 'string ', 'string', '`type: \'string \'` (trailing space)'),
  invalidType('v3/ecommerce/account/apply-cancel-withdraw/applyment-id/{applyment_id}.yaml', `/get/${R200}/withdraw_state_description`, 'stringde', 'string', '`type: stringde` (typo)'),
  invalidType('v3/ecommerce/account/apply-cancel-withdraw/out-request-no/{out_request_no}.yaml', `/get/${R200}/withdraw_state_description`, 'stringde', 'string', '`type: stringde` (typo)'),
  invalidType('v3/marketing/shopping-receipt/shoppingreceipts.yaml', `/post/${R200}/receipt/properties/brand_id`, 'int', 'integer', '`type: int` is not a JSON Schema type'),

  // 5 `properties:` emptied by bad indentation.
  emptiedProperties('v3/qrcode/transactions.yaml', `/post/${R200}/amount`, ['total', 'payer_total', 'currency'], '`properties:` is empty; its property schemas are indented at the level of `properties:` itself'),
  emptiedProperties('v3/qrcode/transactions/out-trade-no/{out_trade_no}.yaml', `/get/${R200}/amount`, ['total', 'payer_total', 'currency'], '`properties:` is empty; its property schemas are indented at the level of `properties:` itself'),
  emptiedProperties('v3/lovefeast/users/{openid}/orders/out-trade-no/{out_trade_no}.yaml', `/get/${R200}/amount`, ['total', 'payer_total', 'currency', 'payer_currency'], '`properties:` is empty; its property schemas are indented at the level of `properties:` itself'),
  emptiedProperties('v3/offlineface/transactions.yaml', `/post/${R200}/promotion_detail/items`, [], '`properties:` of the list item is empty and its fields are lost: typed as a free-form object'),
  emptiedProperties('v3/offlineface/transactions/out-trade-no/{out_trade_no}.yaml', `/get/${R200}/promotion_detail/items`, [], '`properties:` of the list item is empty and its fields are lost: typed as a free-form object'),

  // 2 blocks of properties indented one level too deep (the 6 `required` names they leave dangling).
  misindentedProperties('v3/brand/partner/card-member/cards.yaml', `/post/${R200}/user_information`, ['state', 'create_time', 'update_time'], 'state, create_time, update_time are written inside the user_information schema instead of beside it'),
  misindentedProperties('v3/brand/partner/card-member/cards.yaml', `/get/${R200}/data/items/properties/user_information`, ['state', 'create_time', 'update_time'], 'state, create_time, update_time are written inside the user_information schema instead of beside it'),

  // 5 `required: true` inside a property schema.
  requiredFlag('v2/mmpaymkttransfers/sendworkwxredpack.yaml', '/post/parameters/0/schema/properties/workwx_sign', '`required: true` inside the property schema'),
  requiredFlag('v2/mmpaymkttransfers/promotion/paywwsptrans2pocket.yaml', '/post/parameters/0/schema/properties/workwx_sign', '`required: true` inside the property schema'),
  requiredFlag('v2/mmpaymkttransfers/promotion/paywwsptrans2pocket.yaml', '/post/parameters/0/schema/properties/ww_msg_type', '`required: true` inside the property schema'),
  requiredFlag('v2/mmpaymkttransfers/promotion/paywwsptrans2pocket.yaml', '/post/parameters/0/schema/properties/approval_number', '`required: true` inside the property schema'),
  requiredFlag('v2/mmpaymkttransfers/promotion/paywwsptrans2pocket.yaml', '/post/parameters/0/schema/properties/act_name', '`required: true` inside the property schema'),

  // Misspelled keywords.
  misspelledRequire('hk/v3/refunds.yaml', '/get/parameters', '`require: true` instead of `required: true` on query parameters'),
  misspelledRequire('hk/v3/refunds/id/{refund_id}.yaml', '/get/parameters', '`require: true` instead of `required: true` (the path parameter refund_id thus not required)'),
  misspelledRequire('hk/v3/refunds/out-refund-no/{out_refund_no}.yaml', '/get/parameters', '`require: true` instead of `required: true` (the path parameter out_refund_no thus not required)'),
  renameKey('v2/pay/micropay.yaml', '/post/responses/200/schema/allOf/2/properties/is_subscribe', 'depracted', 'deprecated', '`depracted: true` (typo of deprecated)'),
  {
    kind: 'misspelled-keyword', file: 'v3/gov/subsidy/zhejiang/qualifications/sync.yaml', at: '/post/parameters/1/schema',
    was: '`required:` with no list (null): no body field is marked required',
    check: (node) => node.required === null,
    apply(node) {
      delete node.required;
    },
  },

  // 13 arrays without `items` (all lists of strings, as their examples and sibling endpoints show).
  ...[
    ['v3/marketing/membercard-activity/activities.yaml', `/post/${R200}/pay_activity_setting/properties/payment_setting/properties/payment_mode/properties/payment_scene_list`],
    ['v3/marketing/membercard-activity/activities.yaml', `/post/${R200}/pay_activity_setting/properties/payment_setting/properties/goods_tags`],
    ['v3/marketing/membercard-activity/activities.yaml', `/get/${R200}/data/items/properties/pay_activity_setting/properties/payment_setting/properties/payment_mode/properties/payment_scene_list`],
    ['v3/marketing/membercard-activity/activities.yaml', `/get/${R200}/data/items/properties/pay_activity_setting/properties/payment_setting/properties/goods_tags`],
    ['v3/marketing/membercard-activity/activities/{activity_id}.yaml', `/get/${R200}/pay_activity_setting/properties/mchid_list`],
    ['v3/marketing/membercard-activity/activities/{activity_id}.yaml', `/get/${R200}/pay_activity_setting/properties/payment_setting/properties/payment_mode/properties/payment_scene_list`],
    ['v3/marketing/membercard-activity/activities/{activity_id}.yaml', `/get/${R200}/pay_activity_setting/properties/payment_setting/properties/goods_tags`],
    ['v3/marketing/weekly-discount/activities.yaml', `/get/${R200}/data/items/properties/activity_area_code`],
    ['v3/marketing/weekly-discount/activities.yaml', `/get/${R200}/data/items/properties/activity_available_week`],
    ['v3/marketing/weekly-discount/activities/{activity_id}.yaml', `/get/${R200}/activity_area_code`],
    ['v3/marketing/weekly-discount/activities/{activity_id}.yaml', `/get/${R200}/activity_available_week`],
    ['v3/merchant-service/complaints/{transaction_id}/negotiation-historys.yaml', `/get/${R200}/complaint_negotiation_history/items/properties/image_list`],
    ['v3/global/merchant/h5/permission/applications/{applyment_id}.yaml', `/patch/${R200}/domains`],
  ].map(([file, at]) => arrayWithoutItems(file!, at!, stringItems, '`type: array` without `items`')),

  // 6 path variables declared with the wrong name, in the wrong place, or not at all.
  pathVariable('v3/bank-transfer/batches/out-batch-no/{out_batch_no}.yaml', '/get/parameters', '{out_batch_no} is declared `in: query`',
    (ps) => void (param(ps, 'out_batch_no')!.in = 'path'), (ps) => param(ps, 'out_batch_no')?.in === 'query'),
  pathVariable('v3/global/merchants/{sub_mchid}.yaml', '/patch/parameters', '{sub_mchid} is not declared',
    (ps) => void ps.unshift({ name: 'sub_mchid', in: 'path', required: true, type: 'string', description: '子商户号' }), (ps) => !param(ps, 'sub_mchid')),
  pathVariable('v3/global/papay/transactions/out-trade-no/{out_trade_no}.yaml', '/get/parameters', '{out_trade_no} is declared as `transaction_id`',
    (ps) => void (param(ps, 'transaction_id')!.name = 'out_trade_no'), (ps) => param(ps, 'transaction_id')?.in === 'path' && !param(ps, 'out_trade_no')),
  pathVariable('v3/merchant/fund/withdraw/bill-type/{bill_type}.yaml', '/get/parameters', '{bill_type} is declared `in: query`, optional',
    (ps) => {
      const p = param(ps, 'bill_type')!;
      p.in = 'path';
      p.required = true;
      delete p.nullable;
    }, (ps) => param(ps, 'bill_type')?.in === 'query'),
  pathVariable('v3/offlinefacemch/organizations/{organization_id}/users/user-id/{user_id}/terminate-contract.yaml', '/post/parameters', '{user_id} is declared as `use_id`, and not required',
    (ps) => {
      const p = param(ps, 'use_id')!;
      p.name = 'user_id';
      p.required = true;
    }, (ps) => !!param(ps, 'use_id') && !param(ps, 'user_id')),
  pathVariable('v3/payscore/users/{openid}/permissions/{service_id}/terminate.yaml', '/post/parameters', '{openid} and {service_id} are declared `in: query`',
    (ps) => {
      param(ps, 'openid')!.in = 'path';
      param(ps, 'service_id')!.in = 'path';
    }, (ps) => param(ps, 'openid')?.in === 'query' && param(ps, 'service_id')?.in === 'query'),

  // Path parameters without `required: true` (the hk ones are covered by the `require` entries above).
  ...[
    ['v3/ecommerce/account/cancel-applications/out-apply-no/{out_apply_no}.yaml', 'out_apply_no'],
    ['v3/global/merchant-service/images/{media_id}.yaml', 'media_id'],
    ['v3/global/profit-sharing/orders/{out_order_no}.yaml', 'out_order_no'],
    ['v3/global/profit-sharing/receivers/{account}.yaml', 'account'],
    ['v3/global/profit-sharing/transactions/{transaction_id}/amounts.yaml', 'transaction_id'],
    ['v3/global/profit-sharing/transactions/{transaction_id}/refundable-amounts.yaml', 'transaction_id'],
    ['v3/marketing/bank/packages/{package_id}/tasks.yaml', 'package_id'],
    ['v3/merchant-service/images/{media_id}.yaml', 'media_id'],
    ['v3/vehicle/transactions/out-trade-no/{out_trade_no}.yaml', 'out_trade_no'],
  ].map(([file, name]) => pathParamNotRequired(file!, '/get/parameters', name!)),

  // Property names with a typo.
  misspelledProperty('hk/v3/transactions/micropay.yaml', `/post/${R200}/amount/properties`, 'payer _currency', 'payer_currency'),
  misspelledProperty('v3/global/micropay/transactions/pay.yaml', `/post/${R200}/amount/properties`, 'payer _currency', 'payer_currency'),

  // Answers whose media type is not described.
  missingProduces('hk/v3/statements.yaml', '/get', ['text/csv'], 'the statement is a CSV file, but no `produces` and an empty schema say so'),
  missingProduces('v3/global/statements.yaml', '/get', ['text/csv'], 'the statement is a CSV file, but no `produces` and an empty schema say so'),

  // Answers that leave out what the platform sends (the order query's amounts and payer).
  incompleteSchema('definitions/Transaction.yaml', '/PayerAmount',
    '`PayerAmount` (the `amount` of the order queries) lists only payer_total and payer_currency; the answer also has total and currency',
    (node) => isObject(node.properties) && !('total' in node.properties),
    (node) => {
      const properties = node.properties as JsonObject;
      node.properties = {
        total: { type: 'integer', description: '总金额', example: 100 },
        ...properties,
        currency: { type: 'string', description: '货币类型', example: 'CNY' },
      };
      node.required = ['total', ...(Array.isArray(node.required) ? node.required : [])];
    }),
  incompleteSchema('v3/pay/transactions/id/{transaction_id}.yaml', '/get/responses/200/schema/allOf',
    'the query by transaction_id leaves out `payer` and `amount`, which the query by out_trade_no (the same answer) has',
    (node) => Array.isArray(node) && !JSON.stringify(node).includes('PayerAmount'),
    (node) => {
      (node as unknown as Json[]).push({
        type: 'object',
        properties: {
          payer: { $ref: '../../../../definitions/Transaction.yaml#/PayerDirection' },
          amount: { $ref: '../../../../definitions/Transaction.yaml#/PayerAmount' },
        },
      });
    }),

  // Request examples the schema refuses (the sandbox validates documented examples like real requests).
  exampleBreaksSchema('v3/catering/orders/sync-status.yaml', '/post/parameters/0/schema/properties/login_token',
    '`maxLength: 25` (copied from order_entry) refuses its own 32-character example, a wx.login code; the limit is dropped',
    (node) => node.maxLength === 25 && String(node.example).trim().length > 25,
    (node) => {
      delete node.maxLength;
      node.example = String(node.example).trim();
    }),
  exampleBreaksSchema('v3/marketing/partner/product-coupon/users/{openid}/coupons/{coupon_code}/use.yaml', '/post/parameters/2/schema/properties/use_time',
    'the example `2025-07-24T00:00+08:00` has no seconds, so it is not the RFC 3339 time the field is',
    (node) => node.example === '2025-07-24T00:00+08:00',
    (node) => {
      node.example = '2025-07-24T00:00:00+08:00';
    }),
  exampleBreaksSchema('definitions/syncmchriskresult.yaml', '/syncmchriskresult.request/allOf/0/properties/risk_type',
    'the example runs every risk type together (over `maxLength: 32`); one of them is kept',
    (node) => typeof node.example === 'string' && node.example.length > 32,
    (node) => {
      node.example = 'GAMBLING';
    }),
  exampleBreaksSchema('definitions/syncmchriskresult.yaml', '/syncmchriskresult.request/allOf/0/properties/punish_type',
    'the example runs every punishment type together (over `maxLength: 32`); one of them is kept',
    (node) => typeof node.example === 'string' && node.example.length > 32,
    (node) => {
      node.example = 'CLOSE_PAY_PERMISSION';
    }),

  // Notification lists missing a documented notification: 商家转账 (user confirmation mode) tells every bill's end.
  incompleteSchema('v3/webhooks.yaml', '/WechatpayNotificationEventType',
    'the event types miss `MCHTRANSFER.BILL.FINISHED` (商家转账回调通知 of the 2025 商家转账 documentation), sent when a transfer bill ends SUCCESS, FAIL or CANCELLED',
    (node) => Array.isArray(node.enum) && !node.enum.includes('MCHTRANSFER.BILL.FINISHED'),
    (node) => {
      (node.enum as Json[]).push('MCHTRANSFER.BILL.FINISHED');
    }),
  incompleteSchema('v3/profitsharing/orders/{out_order_no}.yaml', '/get/responses/200/schema/properties/state',
    'the profit-sharing order query\'s `state` lists the receivers\' results (PENDING, SUCCESS, CLOSED) instead of the order\'s states PROCESSING and FINISHED, which the create and unfreeze answers list and its own example (FINISHED) uses',
    (node) => Array.isArray(node.enum) && node.enum.includes('PENDING') && !node.enum.includes('FINISHED'),
    (node) => {
      node.enum = ['PROCESSING', 'FINISHED'];
    }),
  incompleteSchema('v3/webhooks.yaml', '/WechatpayNotificationOriginalType',
    'the original types miss `mch_payment`, the `original_type` (and associated data) of `MCHTRANSFER.BILL.FINISHED`',
    (node) => Array.isArray(node.enum) && !node.enum.includes('mch_payment'),
    (node) => {
      (node.enum as Json[]).push('mch_payment');
    }),

  // Not endpoints.
  notAnEndpoint('v3/webhooks.yaml', '/post', '`POST /v3/webhooks` describes the notifications the platform sends to a merchant, not an API to call'),
  notAnEndpoint('v3/webhooks.yaml', '/MerchantBusinessException', 'a schema (notification payload) written where an HTTP method belongs'),
  notAnEndpoint('v3/webhooks.yaml', '/WechatpayNotificationOriginalType', 'a schema (notification enum) written where an HTTP method belongs'),
  notAnEndpoint('v3/webhooks.yaml', '/WechatpayNotificationEventType', 'a schema (notification enum) written where an HTTP method belongs'),
];

const splitPointer = (at: string): string[] => at.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Applies the table to the loaded files (in place) and the rules that work on raw data. */
export function applyFixUps(source: Source, table: readonly FixUp[] = FIXUPS): FixUpReport {
  const report: FixUpReport = { applied: [], hits: [], excluded: [] };
  for (const fix of table) {
    const doc = source.files.get(fix.file);
    if (!doc) throw new Error(`fix-up for a missing file: ${fix.file}`);
    const parents: JsonObject[] = [];
    let node: Json | undefined = doc;
    for (const key of splitPointer(fix.at)) {
      if (isObject(node)) parents.unshift(node);
      node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
    }
    if (fix.kind === 'not-an-endpoint') {
      const [method] = splitPointer(fix.at);
      if (node === undefined) throw new Error(`fix-up no longer applies (${fix.file}${fix.at} is gone): ${fix.was}`);
      report.excluded.push({ file: fix.file, method: method!, why: fix.was });
      report.applied.push({ kind: fix.kind, file: fix.file, at: fix.at, was: fix.was });
      continue;
    }
    const target = (Array.isArray(node) ? node : isObject(node) ? node : undefined) as JsonObject | undefined;
    if (!target || !fix.check(target)) throw new Error(`fix-up no longer applies (review it): ${fix.file}${fix.at}: ${fix.was}`);
    fix.apply(target, parents);
    report.applied.push({ kind: fix.kind, file: fix.file, at: fix.at, was: fix.was });
  }
  // Rule: `tag:` instead of `tags:`.
  for (const [file, doc] of source.files) {
    for (const [method, op] of Object.entries(doc)) {
      if (isObject(op) && 'tag' in op && !('tags' in op)) {
        op.tags = op.tag!;
        delete op.tag;
        report.hits.push({ rule: 'tag-not-tags', where: `${file}#/${method}` });
      }
    }
  }
  // Rule: the index misses endpoint files.
  const indexed = new Set<string>();
  const paths = isObject(source.index.paths) ? source.index.paths : {};
  for (const entry of Object.values(paths)) if (isObject(entry) && typeof entry.$ref === 'string') indexed.add(entry.$ref.replace(/^\.\//, ''));
  for (const file of source.files.keys()) {
    if (!file.startsWith('definitions/') && !indexed.has(file)) report.hits.push({ rule: 'not-indexed', where: file });
  }
  // Rule: `File.yaml#Name` references (resolve.ts reads them as `File.yaml#/Name`); counted where written.
  for (const [file, doc] of source.files) {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"#]*#[^/"][^"]*"/g);
    if (refs) report.hits.push({ rule: 'bare-fragment-ref', where: file, detail: `${refs.length} $ref(s)` });
  }
  for (const [file, count] of source.keptScalars) report.hits.push({ rule: 'leading-zero-number', where: file, detail: `${count} scalar(s)` });
  // Rule: a maxLength that refuses the field's own enum values.
  for (const [file, doc] of source.files) {
    const fields: string[] = [];
    const visit = (node: Json | undefined, at: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${at}/${i}`));
      if (!isObject(node)) return;
      const limit = node.maxLength;
      if (typeof limit === 'number' && Array.isArray(node.enum) && node.enum.some((value) => String(value).length > limit)) {
        delete node.maxLength;
        fields.push(at);
      }
      for (const [key, value] of Object.entries(node)) visit(value, `${at}/${key}`);
    };
    visit(doc, '');
    if (fields.length) report.hits.push({ rule: 'enum-over-max-length', where: file, detail: fields.join(', ') });
  }
  return report;
}
