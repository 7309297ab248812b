import { Readable } from 'node:stream';
import { parseBill, readBill, type BillRecord } from '../../lib/helpers/bill-csv.js';
import { BillError } from '../../lib/errors.js';
import { TRADE_HEADER, TRADE_SUMMARY_HEADER, tradeBillBytes } from '../support/bill-server.js';

async function all(source: Parameters<typeof parseBill>[0]): Promise<BillRecord[]> {
  const out: BillRecord[] = [];
  for await (const record of parseBill(source)) out.push(record);
  return out;
}

/** A fund-flow bill as the platform writes it (BOM, CRLF, backticks). */
const FUNDFLOW = '\uFEFF记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\r\n'
  + '`2018-02-01 04:21:23,`50000305742018020103387128253,`1900009231201802015884652186,`退款,`退款,`支出,`0.02,`0.17,`system,`缺货,`REF4200000068201801293084726067\r\n'
  + '`2018-02-01 04:22:12,`4200000047201802015327051098,`1900009231201802016105286546,`交易,`交易,`收入,`0.01,`0.18,`system,`,`4200000047201802015327051098\r\n'
  + '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n'
  + '`2,`1,`0.01,`1,`0.02\r\n';

describe('readBill (in memory)', () => {
  it('reads a trade bill: BOM stripped, backticks stripped, rows keyed by the header, the summary', () => {
    const bytes = tradeBillBytes(50);
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const table = readBill(bytes);
    expect(table.header).toEqual(TRADE_HEADER);
    expect(table.summaryHeader).toEqual(TRADE_SUMMARY_HEADER);
    expect(table.rows).toHaveLength(50);
    const row = table.rows[0]!;
    expect(Object.keys(row)).toEqual(TRADE_HEADER);
    expect(row['公众账号ID']).toBe('wx2421b1c4370ec43b');
    expect(row['交易状态']).toBe('SUCCESS');
    expect(row['微信订单号']).toMatch(/^42000019\d{20}$/);
    expect(row['设备号']).toBe('');
    for (const value of Object.values(row)) expect(value.startsWith('`')).toBe(false);
    const total = table.rows.reduce((sum, each) => sum + Math.round(Number(each['应结订单金额']) * 100), 0);
    expect(table.summary['总交易单数']).toBe('50');
    expect(Math.round(Number(table.summary['应结订单总金额']) * 100)).toBe(total);
  });

  it('reads a fund-flow bill, with an empty field', () => {
    const table = readBill(FUNDFLOW);
    expect(table.header[0]).toBe('记账时间');
    expect(table.rows).toEqual([
      expect.objectContaining({ 记账时间: '2018-02-01 04:21:23', 业务名称: '退款', '收支金额（元）': '0.02', 备注: '缺货' }),
      expect.objectContaining({ 收支类型: '收入', 备注: '', 业务凭证号: '4200000047201802015327051098' }),
    ]);
    expect(table.summary).toEqual({ 资金流水总笔数: '2', 收入笔数: '1', 收入金额: '0.01', 支出笔数: '1', 支出金额: '0.02' });
  });

  it('takes LF line ends, no BOM, no final line end, and blank lines', () => {
    const lf = FUNDFLOW.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').replace(/\n$/, '');
    expect(readBill(lf)).toEqual(readBill(FUNDFLOW));
    expect(readBill(`${FUNDFLOW}\r\n\r\n`)).toEqual(readBill(FUNDFLOW));
    expect(readBill(new Uint8Array(Buffer.from(FUNDFLOW)))).toEqual(readBill(FUNDFLOW));
  });

  it('reads quoted fields: commas, doubled quotes and line breaks inside, around the backtick or after it', () => {
    const text = 'a,b,c\r\n`1,"`x, y","`say ""hi"""\r\n`2,`"quoted, not",`3\r\n"`multi\r\nline",`5,""\r\nn\r\n`1\r\n';
    const table = readBill(text);
    expect(table.rows).toEqual([
      { a: '1', b: 'x, y', c: 'say "hi"' },
      { a: '2', b: '"quoted', c: ' not"' },
      { a: 'multi\r\nline', b: '5', c: '' },
    ]);
    expect(table.summary).toEqual({ n: '1' });
  });

  it('keeps every value of a row with more or fewer fields than the header', async () => {
    const records = await all('a,b\r\n`1\r\n`1,`2,`3\r\ns\r\n`0\r\n');
    expect(records[1]).toEqual({ type: 'row', fields: { a: '1', b: '' }, values: ['1'], line: 2 });
    expect(records[2]).toEqual({ type: 'row', fields: { a: '1', b: '2' }, values: ['1', '2', '3'], line: 3 });
  });

  it('reads a bill without data rows', () => {
    expect(readBill('a,b\r\ns\r\n`0\r\n')).toEqual({ header: ['a', 'b'], rows: [], summaryHeader: ['s'], summary: { s: '0' } });
  });

  it.each([
    ['a data row first', '`1,`2\r\n', /Line 1 is a data row/, 1],
    ['an empty file', '', /before its header/, undefined],
    ['no summary header', 'a\r\n`1\r\n', /before its summary header/, undefined],
    ['no summary row', 'a\r\n`1\r\ns\r\n', /before its summary row/, undefined],
    ['a header where the summary row goes', 'a\r\n`1\r\ns\r\nt\r\n', /Line 4 should be the summary row/, 4],
    ['a line after the summary', 'a\r\n`1\r\ns\r\n`1\r\n`2\r\n', /Line 5 comes after the summary row/, 5],
    ['an unterminated quote', 'a\r\n`1\r\ns\r\n"`1\r\n', /ends inside a quoted field \(from line 4\)/, 4],
  ])('refuses %s, naming the line', (_name, text, message, line) => {
    let error: unknown;
    try {
      readBill(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BillError);
    expect(error).toMatchObject({ code: 'EBILL_CSV', message: expect.stringMatching(message), line });
  });
});

describe('parseBill (streaming)', () => {
  it('yields the header, every row, the summary header and the summary, with their line numbers', async () => {
    const records = await all(FUNDFLOW);
    expect(records.map((record) => record.type)).toEqual(['header', 'row', 'row', 'header', 'summary']);
    expect(records[0]).toMatchObject({ type: 'header', section: 'rows', line: 1 });
    expect(records[3]).toMatchObject({ type: 'header', section: 'summary', names: ['资金流水总笔数', '收入笔数', '收入金额', '支出笔数', '支出金额'], line: 4 });
    expect(records[4]).toMatchObject({ type: 'summary', values: ['2', '1', '0.01', '1', '0.02'], line: 5 });
  });

  it('gives the same records whatever the chunking (split inside UTF-8 characters, CRLF, quotes, the BOM)', async () => {
    const text = `${FUNDFLOW.slice(0, -2)}\r\n`.replace('`缺货', '"`缺""货, 了"');
    const bytes = Buffer.from(text);
    const expected = await all(bytes);
    expect(expected[1]).toMatchObject({ fields: { 备注: '缺"货, 了' } });
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
      expect(await all(Readable.from(pieces))).toEqual(expected);
    }
    expect(await all((async function* () {
      for (const char of text) yield char;
    })())).toEqual(expected);
    expect(await all(new Uint8Array(bytes))).toEqual(expected);
  });

  it('fails at the point the shape breaks, after the good rows', async () => {
    const seen: string[] = [];
    await expect((async () => {
      for await (const record of parseBill('a\r\n`1\r\ns\r\n`0\r\n`extra\r\n')) seen.push(record.type);
    })()).rejects.toMatchObject({ code: 'EBILL_CSV', line: 5 });
    expect(seen).toEqual(['header', 'row', 'header', 'summary']);
  });
});

describe('anything but a bill source', () => {
  it.each([null, undefined, 42, {}, { length: 3 }])('parseBill(%p) fails with EBILL_CSV', async (source) => {
    const reading = (async () => {
      for await (const _record of parseBill(source as never)) {
        // reading
      }
    })();
    await expect(reading).rejects.toMatchObject({ constructor: BillError, code: 'EBILL_CSV' });
  });

  it.each([null, undefined, 42, {}])('readBill(%p) fails with EBILL_CSV', (source) => {
    expect(() => readBill(source as never)).toThrow(expect.objectContaining({ constructor: BillError, code: 'EBILL_CSV' }));
  });
});
