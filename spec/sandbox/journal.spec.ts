/**
 * The journal on disk (real files): what was appended is read back after a crash, a last line cut short
 * (the write in flight) is dropped and cut off the file, a compaction folds everything into the snapshot,
 * and replaying a journal over the snapshot it was folded into changes nothing (every change is idempotent).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../lib/sandbox/journal.js';
import { SandboxState, type Order } from '../../lib/sandbox/state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const order = (no: string): Order => ({
  partner: false, mchid: '1230000109', appid: 'wx', out_trade_no: no, description: 'd', notify_url: 'http://127.0.0.1:1/', trade_type: 'NATIVE',
  trade_state: 'NOTPAY', amount: { total: 1, currency: 'CNY' }, create_time: '2025-01-01T08:00:00+08:00', prepay: { code_url: 'weixin://x' }, fingerprint: no, refunded: 0,
});

describe('the state journal', () => {
  it('keeps what was flushed, drops a torn last line, and says how many bytes it dropped', () => {
    const state = new SandboxState();
    state.persistIn(dir);
    state.orders.set('k1', order('A1'));
    state.changed('order', 'k1');
    state.addCodes('P|S', ['C1', 'C2'], { no: 'R1', fingerprint: 'f', answer: { total_count: 2 } });
    state.flush();
    state.orders.get('k1')!.trade_state = 'CLOSED';
    state.changed('order', 'k1');
    state.flush();
    // A crash in the middle of the next write: half a line.
    const journal = join(dir, 'state', 'journal.ndjson');
    appendFileSync(journal, '{"op":"put","kind":"order","key":"k2","value":{"out_trade');
    const torn = statSync(journal).size;

    const again = new SandboxState();
    const { loaded, dropped } = again.persistIn(dir);
    expect(dropped).toBe('{"op":"put","kind":"order","key":"k2","value":{"out_trade'.length);
    expect(loaded).toBe(2);
    expect(again.orders.get('k1')?.trade_state).toBe('CLOSED');
    expect(again.orders.has('k2')).toBe(false);
    expect([...again.coupons.get('P|S')!.codes]).toEqual(['C1', 'C2']);
    expect(again.coupons.get('P|S')!.requests.get('R1')).toEqual({ fingerprint: 'f', answer: { total_count: 2 } });
    // Folded into the snapshot: the journal is empty again.
    expect(statSync(journal).size).toBeLessThan(torn);
    expect(readFileSync(journal, 'utf8')).toBe('');
    again.close();
  });

  it('replays a journal over the snapshot it was already folded into without changing anything', () => {
    const state = new SandboxState();
    state.persistIn(dir);
    state.orders.set('k1', order('A1'));
    state.changed('order', 'k1');
    state.addCodes('P|S', ['C1']);
    state.flush();
    const lines = readFileSync(join(dir, 'state', 'journal.ndjson'), 'utf8');
    state.close();
    // A crash after the snapshot was renamed into place but before the journal was emptied.
    const folded = new SandboxState();
    folded.persistIn(dir);
    folded.close();
    appendFileSync(join(dir, 'state', 'journal.ndjson'), lines);
    const replayed = new SandboxState();
    replayed.persistIn(dir);
    expect([...replayed.orders.keys()]).toEqual(['k1']);
    expect([...replayed.coupons.get('P|S')!.codes]).toEqual(['C1']);
    replayed.close();
  });

  it('a reset is journaled too', () => {
    const state = new SandboxState();
    state.persistIn(dir);
    state.orders.set('k1', order('A1'));
    state.changed('order', 'k1');
    state.flush();
    state.reset();
    state.close();
    const again = new SandboxState();
    expect(again.persistIn(dir).loaded).toBe(0);
    again.close();
  });

  it('is one sandbox’s folder at a time: a live holder is refused, a dead one’s lock taken over', () => {
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state', 'lock'), String(process.ppid));
    expect(() => new SandboxState().persistIn(dir)).toThrow(/in use by another sandbox \(process \d+\)/);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'state', 'lock'), gone);
    const state = new SandboxState();
    state.persistIn(dir);
    expect(readFileSync(join(dir, 'state', 'lock'), 'utf8')).toBe(String(process.pid));
    state.close();
    expect(() => statSync(join(dir, 'state', 'lock'))).toThrow();
  });

  it('refuses to append before it is open', () => {
    expect(() => new Journal(dir).append([{ op: 'reset' }])).toThrow(/not open/);
  });
});
