/**
 * parseBill over a large bill (200,000 rows, ~50 MB of CSV generated only as fast as it is read): it reads ahead
 * of the rows only a little at every point, so memory stays flat. (The parser's rules are spec/helpers/bill-csv.spec.ts.)
 */
import { parseBill } from '../../lib/helpers/bill-csv.js';
import { tradeBill, tradeBillBytes } from '../support/bill-server.js';

describe('parseBill (streaming) a large bill', () => {
  it('streams a large bill, reading ahead of the rows only a little at every point (memory stays flat)', async () => {
    const rows = 200_000; // ~50 MB of CSV, generated only as fast as it is read
    const size = tradeBillBytes(1000).length / 1000; // bytes per row, near enough
    let read = 0;
    const source = tradeBill(rows).on('data', (chunk: Buffer) => {
      read += chunk.length;
    });
    let count = 0;
    let worstAhead = 0;
    let summary: Record<string, string> | undefined;
    for await (const record of parseBill(source)) {
      if (record.type === 'row') {
        count += 1;
        if (count % 1000 === 1) worstAhead = Math.max(worstAhead, read - count * size);
      } else if (record.type === 'summary') {
        summary = record.fields;
      }
    }
    expect(count).toBe(rows);
    expect(summary?.['总交易单数']).toBe(String(rows));
    expect(read).toBeGreaterThan(40_000_000);
    expect(worstAhead).toBeLessThan(512 * 1024);
  });
});
