/**
 * The primary and backup hosts of one client (docs/resilience.md#the-backup-domain). An attempt that could
 * not reach the primary host goes to the backup host; the client then prefers the backup for a window
 * (30 s) before one call tries the primary again, so an outage costs one failed connect per window, not
 * one per call. Per client, never global.
 */
/** The official host (`baseURL`'s default). */
const OFFICIAL_ORIGIN = 'https://api.mch.weixin.qq.com';
/** The platform's documented backup domain, used when `baseURL` is the official host. */
const DEFAULT_BACKUP_ORIGIN = 'https://api2.mch.weixin.qq.com';
/** How long a client that failed over keeps to the backup host before trying the primary again. */
export const FAILOVER_WINDOW_MS = 30_000;

/**
 * The backup base URL of a configuration: the one given, else the official backup when `baseURL` is on the
 * official host (its path prefix kept: `https://api.mch.weixin.qq.com/hk/` -> `https://api2.mch.weixin.qq.com/hk/`),
 * else none.
 */
export function defaultBackupBaseURL(baseURL: string, given: string | false | undefined): string | undefined {
  if (given === false) return undefined;
  if (given !== undefined) return given;
  const url = new URL(baseURL);
  if (url.origin !== OFFICIAL_ORIGIN) return undefined;
  return `${DEFAULT_BACKUP_ORIGIN}${url.pathname}`;
}

/** Where an attempt goes: a URL, and whether it is the one call probing the primary host after a failover. */
export interface HostChoice {
  readonly backup: boolean;
  readonly probe: boolean;
}

/** An attempt on the primary host. */
export const PRIMARY: HostChoice = Object.freeze({ backup: false, probe: false });
/** An attempt on the backup host. */
export const BACKUP: HostChoice = Object.freeze({ backup: true, probe: false });
const PROBE: HostChoice = Object.freeze({ backup: false, probe: true });

export class HostSelector {
  readonly #primary: string | undefined;
  readonly #backup: string | undefined;
  readonly #window: number;
  readonly #now: () => number;
  /** The backup host is preferred until then (0: not failed over). */
  #until = 0;
  #probing = false;

  /**
   * `primaryBase` and `backupBase` are base URLs (`https://api.mch.weixin.qq.com/`); a URL is moved to the backup
   * host only when it starts with the primary base. `now` is for tests.
   */
  constructor(primaryBase: string, backupBase: string | undefined, window = FAILOVER_WINDOW_MS, now: () => number = Date.now) {
    this.#primary = backupBase === undefined ? undefined : asBase(primaryBase);
    this.#backup = backupBase === undefined ? undefined : asBase(backupBase);
    this.#window = window;
    this.#now = now;
  }

  /** Whether this client has a backup host at all. */
  get hasBackup(): boolean {
    return this.#backup !== undefined;
  }

  /** Whether the client currently prefers the backup host. */
  get failedOver(): boolean {
    return this.#until !== 0;
  }

  /**
   * Where the first attempt of a call goes. After a failover: the backup until the window ends, then the primary
   * for one call (the probe) while the others keep to the backup until it is known whether the primary is back.
   */
  first(): HostChoice {
    if (this.#until === 0) return PRIMARY;
    if (this.#now() < this.#until || this.#probing) return BACKUP;
    this.#probing = true;
    return PROBE;
  }

  /** An attempt on the primary host could not reach it: the client fails over for a window. */
  unreachable(choice: HostChoice): void {
    if (this.#backup === undefined || choice.backup) return;
    this.#until = this.#now() + this.#window;
    if (choice.probe) this.#probing = false;
  }

  /** An attempt on the primary host reached it (whatever it answered): the failover, if any, is over. */
  reached(choice: HostChoice): void {
    if (choice.backup) return;
    if (choice.probe || this.#until !== 0) {
      this.#until = 0;
      this.#probing = false;
    }
  }

  /** A probe that ended without saying anything of the primary (the call was aborted): another call may probe. */
  abandoned(choice: HostChoice): void {
    if (choice.probe) this.#probing = false;
  }

  /** `url` moved to the backup host when it is on the primary base URL; undefined when it cannot move. */
  onBackup(url: string): string | undefined {
    if (this.#backup === undefined || this.#primary === undefined || !url.startsWith(this.#primary)) return undefined;
    return this.#backup + url.slice(this.#primary.length);
  }
}

/** A base URL as resolved URLs start with it (core/uri.ts resolveUrl): normalised, ending with `/`. */
function asBase(base: string): string {
  return new URL(base.endsWith('/') ? base : `${base}/`).href;
}
