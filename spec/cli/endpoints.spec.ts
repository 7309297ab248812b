/**
 * How `wechatpay-chain request` names an endpoint (lib/cli/endpoints.ts: a template or a chain, the verb from
 * the API description), and the exit code of each kind of failure (lib/cli/exit.ts).
 */
import { CommanderError } from 'commander';
import { nameEndpoint, templates } from '../../lib/cli/endpoints.js';
import { EXIT, exitCodeOf, UsageError } from '../../lib/cli/exit.js';
import { ApiError, BillError, ConfigError, RequestError, SinkError, TemplateError, VerificationError } from '../../lib/errors.js';

describe('nameEndpoint', () => {
  it('takes a template as documented, with its one verb', () => {
    expect(nameEndpoint('v3/pay/transactions/out-trade-no/{out_trade_no}')).toMatchObject({
      chain: undefined, template: 'v3/pay/transactions/out-trade-no/{out_trade_no}', described: 'v3/pay/transactions/out-trade-no/{out_trade_no}', verbs: ['get'],
    });
    expect(nameEndpoint('/v3/pay/transactions/native').verbs).toEqual(['post']);
  });

  it('takes a chain, by the client property rules', () => {
    expect(nameEndpoint('v3.pay.transactions.outTradeNo._out_trade_no_')).toMatchObject({
      chain: ['v3', 'pay', 'transactions', 'outTradeNo', '_out_trade_no_'], template: 'v3/pay/transactions/out-trade-no/{out_trade_no}',
      described: 'v3/pay/transactions/out-trade-no/{out_trade_no}', verbs: ['get'],
    });
    // A value where the API has a single variable child, as `client.v3.pay.transactions.outTradeNo[no]`.
    expect(nameEndpoint('v3.pay.transactions.outTradeNo.T1001')).toMatchObject({ template: 'v3/pay/transactions/out-trade-no/T1001', described: 'v3/pay/transactions/out-trade-no/{out_trade_no}', verbs: ['get'] });
    expect(nameEndpoint('v2.pay.micropay')).toMatchObject({ template: 'v2/pay/micropay', verbs: ['post'] });
  });

  it('matches a concrete path against the templates, and knows every verb of an endpoint that has several', () => {
    expect(nameEndpoint('v3/refund/domestic/refunds/R1').described).toBe('v3/refund/domestic/refunds/{out_refund_no}');
    const several = templates().map((template) => nameEndpoint(template)).find((named) => named.verbs.length > 1)!;
    expect(new Set(several.verbs).size).toBe(several.verbs.length);
    expect(nameEndpoint('v3/not/documented')).toMatchObject({ described: undefined, verbs: [] });
  });

  it('lists every documented template once, for completion', () => {
    const list = templates();
    expect(list.length).toBeGreaterThan(1000);
    expect(new Set(list).size).toBe(list.length);
    expect(list).toContain('v3/bill/tradebill');
  });
});

describe('exit codes', () => {
  it('tell usage, API errors, verification failures and transport apart', () => {
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
    expect(exitCodeOf(new UsageError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ConfigError('mchid', 'x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new TemplateError('EURI_VARIABLE_MISSING', 'v3/{x}', 'x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new RequestError('EREQUEST_OPTIONS', 'x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ApiError(404, 'ORDER_NOT_EXIST', 'x', { body: '', headers: {} }))).toBe(EXIT.api);
    expect(exitCodeOf(new VerificationError('EV3_RES_HEADER_SIGNATURE_DIGEST', 'x'))).toBe(EXIT.verification);
    expect(exitCodeOf(new BillError('EBILL_HASH', 'x'))).toBe(EXIT.verification);
    expect(exitCodeOf(new RequestError('EREQUEST_TRANSPORT', 'x'))).toBe(EXIT.transport);
    expect(exitCodeOf(new RequestError('EREQUEST_TIMEOUT', 'x'))).toBe(EXIT.transport);
    expect(exitCodeOf(new SinkError('ESINK_STREAM', 'x'))).toBe(EXIT.transport);
    expect(exitCodeOf(new SinkError('ESINK_WRITE', 'x'))).toBe(EXIT.failure);
    expect(exitCodeOf(new Error('x'))).toBe(EXIT.failure);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
  });
});
