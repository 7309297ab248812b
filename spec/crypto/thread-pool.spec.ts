import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { THREAD_POOL_ADMISSIONS, onThreadPool } from '../../lib/crypto/thread-pool.js';
import { rejected } from '../support/thrown.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('admission to the thread pool', () => {
  it('runs at most that many jobs at once, starts the others in order, and gives each its own result', async () => {
    const count = THREAD_POOL_ADMISSIONS * 3;
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const signatures = await Promise.all(Array.from({ length: count }, (_, index) => onThreadPool<Buffer>((done) => {
      started.push(index);
      running += 1;
      most = Math.max(most, running);
      sign('sha256', Buffer.from(`message ${index}`), privateKey, (error, signature) => {
        running -= 1;
        done(error, signature);
      });
    })));
    expect(most).toBe(THREAD_POOL_ADMISSIONS);
    expect(started).toEqual(Array.from({ length: count }, (_, index) => index));
    signatures.forEach((signature, index) => expect(verify('sha256', Buffer.from(`message ${index}`), publicKey, signature)).toBe(true));
  });

  it('frees the place of a job that fails, by its callback or by throwing, and rejects with its error', async () => {
    const count = THREAD_POOL_ADMISSIONS * 2;
    const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, index) => onThreadPool<boolean>((done) => {
      if (index % 3 === 0) throw new TypeError(`refused ${index}`);
      if (index % 3 === 1) {
        setImmediate(() => done(new RangeError(`failed ${index}`), false));
        return;
      }
      verify('sha256', Buffer.from('x'), publicKey, sign('sha256', Buffer.from('x'), privateKey), done);
    })));
    outcomes.forEach((outcome, index) => {
      if (index % 3 === 2) expect(outcome).toEqual({ status: 'fulfilled', value: true });
      else expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(index % 3 === 0 ? TypeError : RangeError);
    });
    await expect(onThreadPool<boolean>((done) => verify('sha256', Buffer.from('x'), publicKey, Buffer.alloc(256), done))).resolves.toBe(false);
    expect(await rejected(onThreadPool(() => {
      throw new Error('last');
    }))).toHaveProperty('message', 'last');
  });
});
