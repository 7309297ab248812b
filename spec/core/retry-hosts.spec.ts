/**
 * The primary and backup hosts of a client (core/hosts.ts): the default backup domain, URLs moved with their
 * path prefix, and the failover window (one probe of the primary per window), on an injected clock.
 */
import { defaultBackupBaseURL, FAILOVER_WINDOW_MS, HostSelector } from '../../lib/core/hosts.js';

describe('the backup base URL', () => {
  it('is api2.mch.weixin.qq.com for the official host, its path prefix kept', () => {
    expect(defaultBackupBaseURL('https://api.mch.weixin.qq.com/', undefined)).toBe('https://api2.mch.weixin.qq.com/');
    expect(defaultBackupBaseURL('https://api.mch.weixin.qq.com/hk/', undefined)).toBe('https://api2.mch.weixin.qq.com/hk/');
  });

  it('is none for another host unless given; false turns it off', () => {
    expect(defaultBackupBaseURL('https://apihk.mch.weixin.qq.com/', undefined)).toBeUndefined();
    expect(defaultBackupBaseURL('http://127.0.0.1:8080/', undefined)).toBeUndefined();
    expect(defaultBackupBaseURL('http://127.0.0.1:8080/', 'http://127.0.0.1:9090/')).toBe('http://127.0.0.1:9090/');
    expect(defaultBackupBaseURL('https://api.mch.weixin.qq.com/', false)).toBeUndefined();
  });
});

describe('HostSelector', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('moves a URL on the primary base to the backup base, path prefix kept', () => {
    const hosts = new HostSelector('https://api.mch.weixin.qq.com/hk', 'https://api2.mch.weixin.qq.com/hk/');
    expect(hosts.onBackup('https://api.mch.weixin.qq.com/hk/v3/x?y=1')).toBe('https://api2.mch.weixin.qq.com/hk/v3/x?y=1');
    // Another host (an endpoint that lives elsewhere, a per-call baseURL) does not move.
    expect(hosts.onBackup('https://fraud.mch.weixin.qq.com/v3/x')).toBeUndefined();
    expect(hosts.onBackup('https://api.mch.weixin.qq.com/v3/x')).toBeUndefined();
    expect(new HostSelector('http://a/', undefined).onBackup('http://a/v3/x')).toBeUndefined();
  });

  it('starts on the primary host', () => {
    const hosts = new HostSelector('http://a/', 'http://b/', FAILOVER_WINDOW_MS, clock);
    expect(hosts.first()).toMatchObject({ backup: false });
    expect(hosts.failedOver).toBe(false);
  });

  it('after the primary could not be reached, prefers the backup for the window, then lets one call probe', () => {
    const hosts = new HostSelector('http://a/', 'http://b/', 30_000, clock);
    const first = hosts.first();
    hosts.unreachable(first);
    expect(hosts.failedOver).toBe(true);
    now += 29_999;
    expect(hosts.first()).toMatchObject({ backup: true });
    now += 1;
    const probe = hosts.first();
    expect(probe).toEqual({ backup: false, probe: true });
    // While the probe is out, every other call keeps to the backup.
    expect(hosts.first()).toMatchObject({ backup: true });
    expect(hosts.first()).toMatchObject({ backup: true });
    // The primary is still down: another window.
    hosts.unreachable(probe);
    now += 10_000;
    expect(hosts.first()).toMatchObject({ backup: true });
    now += 20_000;
    const second = hosts.first();
    expect(second.probe).toBe(true);
    // It is back: every call goes to the primary again.
    hosts.reached(second);
    expect(hosts.failedOver).toBe(false);
    expect(hosts.first()).toEqual({ backup: false, probe: false });
  });

  it('a probe abandoned (the call aborted) lets the next call probe', () => {
    const hosts = new HostSelector('http://a/', 'http://b/', 1000, clock);
    hosts.unreachable(hosts.first());
    now += 1000;
    const probe = hosts.first();
    expect(hosts.first().backup).toBe(true);
    hosts.abandoned(probe);
    expect(hosts.first().probe).toBe(true);
  });

  it('a failure of the backup host changes nothing; a client without one never fails over', () => {
    const hosts = new HostSelector('http://a/', 'http://b/', 1000, clock);
    hosts.unreachable({ backup: true, probe: false });
    expect(hosts.failedOver).toBe(false);
    const alone = new HostSelector('http://a/', undefined, 1000, clock);
    alone.unreachable(alone.first());
    expect(alone.failedOver).toBe(false);
    expect(alone.hasBackup).toBe(false);
  });

  it('is per client: one client failing over leaves another on its primary', () => {
    const one = new HostSelector('http://a/', 'http://b/', 1000, clock);
    const two = new HostSelector('http://a/', 'http://b/', 1000, clock);
    one.unreachable(one.first());
    expect(one.first().backup).toBe(true);
    expect(two.first().backup).toBe(false);
  });
});
