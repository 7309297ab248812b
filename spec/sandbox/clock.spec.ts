/** SandboxClock: business time ahead of real time, items due on it run in time order, at their own time. */
import { SandboxClock } from '../../lib/sandbox/clock.js';

describe('SandboxClock', () => {
  let clock: SandboxClock;
  beforeEach(() => {
    clock = new SandboxClock();
  });
  afterEach(() => clock.close());

  it('advances through due items in time order, the clock standing at each one\'s time', async () => {
    const start = clock.now();
    const seen: Array<[string, number]> = [];
    clock.schedule('b', start + 20_000, () => void seen.push(['b', clock.now() - start]));
    clock.schedule('a', start + 10_000, () => {
      seen.push(['a', clock.now() - start]);
      clock.schedule('c', clock.now() + 5_000, () => void seen.push(['c', clock.now() - start]));
    });
    clock.schedule('late', start + 60_000, () => void seen.push(['late', 0]));
    await clock.advance(30);
    expect(seen.map(([name]) => name)).toEqual(['a', 'c', 'b']);
    expect(seen.map(([, at]) => Math.round(at / 1000))).toEqual([10, 15, 20]);
    expect(Math.round((clock.now() - start) / 1000)).toBe(30);
    expect(clock.pending().map((p) => p.key)).toEqual(['late']);
  });

  it('a second schedule of a key replaces the first; cancel forgets it; reset goes back to real time', async () => {
    const ran: string[] = [];
    clock.schedule('k', clock.now() + 1000, () => void ran.push('first'));
    clock.schedule('k', clock.now() + 2000, () => void ran.push('second'));
    clock.schedule('x', clock.now() + 1000, () => void ran.push('x'));
    clock.cancel('x');
    await clock.advance(5);
    expect(ran).toEqual(['second']);
    const offsets: number[] = [];
    clock.onAdvance = (offset) => offsets.push(offset);
    clock.reset();
    expect(clock.offsetMs).toBe(0);
    expect(offsets).toEqual([0]);
  });

  it('runs an item when real time reaches it, without an advance; a failing item does not stop the others', async () => {
    const ran: string[] = [];
    clock.schedule('boom', clock.now() + 5, () => {
      throw new Error('boom');
    });
    const done = new Promise<void>((resolve) => clock.schedule('ok', clock.now() + 10, () => {
      ran.push('ok');
      resolve();
    }));
    await done;
    expect(ran).toEqual(['ok']);
    expect(clock.offsetMs).toBe(0);
  });

  it('in real time, an item that takes long holds up nothing else due', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ran: string[] = [];
    clock.schedule('slow', clock.now() + 5, async () => {
      ran.push('slow started');
      await slow;
      ran.push('slow done');
    });
    const quick = new Promise<void>((resolve) => clock.schedule('quick', clock.now() + 10, () => {
      ran.push('quick');
      resolve();
    }));
    await quick;
    expect(ran).toEqual(['slow started', 'quick']);
    release();
    await slow;
  });

  it('refuses a negative or non-numeric advance', async () => {
    await expect(clock.advance(-1)).rejects.toThrow(/0 or more/);
    await expect(clock.advance(Number.NaN)).rejects.toThrow(/0 or more/);
  });
});
