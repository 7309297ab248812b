/**
 * Load: 2,000 calls at once against the embedded sandbox (orders created, then queried), every request
 * checked by the sandbox and every answer verified by the client; memory growth bounded; and once the
 * sandbox is closed, no socket of the burst is left open.
 *
 * The burst runs in a fresh node process (load-burst.ts): peak RSS growth measured inside a jest worker that
 * earlier suites have filled swings by hundreds of MiB with the garbage they left, whatever the burst needs.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const CALLS = 2000;
const MiB = 1024 * 1024;

interface Burst {
  growth: number;
  created: Array<{ status: number; codeUrl: string }>;
  queried: Array<{ outTradeNo: string; tradeState: string }>;
  records: Array<{ status: number; code?: string }>;
  socketsBefore: number;
  socketsDuring: number;
  socketsClosed: boolean;
}

describe(`${CALLS} concurrent calls`, () => {
  let burst: Burst;

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath,
      ['--import', 'tsx', join(__dirname, 'load-burst.ts'), String(CALLS)],
      { cwd: join(__dirname, '..', '..'), maxBuffer: 64 * MiB });
    burst = JSON.parse(stdout) as Burst;
  }, 180_000);

  it('are all served and each answer verified', () => {
    expect(burst.created).toHaveLength(CALLS / 2);
    expect(burst.created.filter((answer) => answer.status !== 200 || !answer.codeUrl.startsWith('weixin://'))).toEqual([]);
    expect(burst.queried.map((answer) => answer.outTradeNo)).toEqual(Array.from({ length: CALLS / 2 }, (_, index) => `LOAD${index}`));
    expect(burst.queried.every((answer) => answer.tradeState === 'NOTPAY')).toBe(true);
  });

  it('has each request checked by the sandbox (signature, merchant, serial, clock), none refused', () => {
    expect(burst.records).toHaveLength(CALLS);
    expect(burst.records.filter((record) => record.status !== 200 || record.code !== undefined)).toEqual([]);
  });

  it('keeps memory growth bounded', () => {
    expect(burst.growth).toBeGreaterThan(0);
    expect(burst.growth).toBeLessThan(256 * MiB);
    console.log(`load: ${CALLS} concurrent calls, peak RSS growth ${Math.round(burst.growth / MiB)} MiB`);
  });

  it('leaves no socket open once the sandbox is closed', () => {
    expect(burst.socketsDuring).toBeGreaterThan(burst.socketsBefore);
    expect(burst.socketsClosed).toBe(true);
  });
});
