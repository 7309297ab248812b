/**
 * What keeps the sandbox's state across restarts (with a folder): an append-only journal of JSON lines
 * beside a snapshot, in `<dir>/state/`.
 *
 *     <dir>/state/snapshot.json     the whole state at the last compaction (written to a temporary file,
 *                                   fsync'ed, renamed over the old one, the folder fsync'ed)
 *     <dir>/state/journal.ndjson    one change a line since then; each batch is written with one write()
 *                                   and fsync'ed before the request that made it is answered
 *     <dir>/state/lock              the process id of the sandbox using the folder (a second one is refused;
 *                                   a lock left by a process that died is taken over)
 *
 * Starting: the snapshot, then every complete line of the journal (a line cut short by a crash, the
 * write in flight, is dropped and cut off the file), then a compaction: a new snapshot, an empty journal.
 * Every change is idempotent (a whole record put, codes added to a set), so a crash between the new
 * snapshot and the emptied journal replays harmlessly.
 *
 * Plain node:fs, synchronous: no native module (a SQLite binding would need a compiler or a prebuilt
 * binary download at install, which offline and locked-down machines do not have; node:sqlite is not in
 * Node 20), and the order of writes is the order of the calls.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** One change: a record put or deleted, codes added to a coupon stock, or everything forgotten. */
export type JournalEntry =
  | { op: 'put'; kind: string; key: string; value: unknown }
  | { op: 'delete'; kind: string; key: string }
  | { op: 'codes'; key: string; add: string[]; request?: { no: string; fingerprint: string; answer: Record<string, unknown> } }
  | { op: 'reset' };

/** The journal grows to this size before it is folded into a new snapshot. */
const COMPACT_AT = 16 * 1024 * 1024;

export class Journal {
  readonly folder: string;
  readonly #journal: string;
  readonly #snapshot: string;
  readonly #lock: string;
  #fd: number | undefined;
  #size = 0;

  constructor(dir: string) {
    this.folder = join(dir, 'state');
    this.#journal = join(this.folder, 'journal.ndjson');
    this.#snapshot = join(this.folder, 'snapshot.json');
    this.#lock = join(this.folder, 'lock');
  }

  /** Takes the folder for this process; throws when a live process holds it. */
  #take(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.#lock, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(readFileSync(this.#lock, 'utf8'));
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new Error(`${this.folder} is in use by another sandbox (process ${holder}): one sandbox per folder`);
      }
      rmSync(this.#lock, { force: true });
    }
    throw new Error(`${this.folder}: could not take its lock`);
  }

  /** The snapshot (or undefined) and the journal's complete entries; a torn last line is cut off the file. */
  read(): { snapshot: unknown; entries: JournalEntry[]; dropped: number } {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    this.#take();
    const snapshot: unknown = existsSync(this.#snapshot) ? JSON.parse(readFileSync(this.#snapshot, 'utf8')) : undefined;
    const entries: JournalEntry[] = [];
    let dropped = 0;
    if (existsSync(this.#journal)) {
      const bytes = readFileSync(this.#journal);
      let at = 0;
      while (at < bytes.length) {
        const end = bytes.indexOf(0x0a, at);
        const line = bytes.subarray(at, end === -1 ? bytes.length : end).toString('utf8');
        let entry: JournalEntry | undefined;
        try {
          entry = JSON.parse(line) as JournalEntry;
        } catch {
          entry = undefined;
        }
        if (entry === undefined || end === -1) {
          // The write in flight when the process died: never acknowledged, dropped.
          dropped = bytes.length - at;
          break;
        }
        entries.push(entry);
        at = end + 1;
      }
      if (dropped > 0) {
        const fd = openSync(this.#journal, 'r+');
        try {
          ftruncateSync(fd, at);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    return { snapshot, entries, dropped };
  }

  /** Writes `snapshot` as the new base and empties the journal; then opens it for appending. */
  compact(snapshot: unknown): void {
    const temporary = `${this.#snapshot}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(snapshot));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.#snapshot);
    this.#syncFolder();
    if (this.#fd !== undefined) closeSync(this.#fd);
    writeFileSync(this.#journal, '', { mode: 0o600 });
    this.#fd = openSync(this.#journal, 'a', 0o600);
    fsyncSync(this.#fd);
    this.#syncFolder();
    this.#size = 0;
  }

  /** Appends `entries` with one write and fsyncs them: once this returns they survive a crash. */
  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    if (this.#fd === undefined) throw new Error('the journal is not open (compact() first)');
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.#fd, bytes, written);
    fsyncSync(this.#fd);
    this.#size += bytes.length;
  }

  /** Whether the journal has grown enough to be folded into a snapshot. */
  get due(): boolean {
    return this.#size > COMPACT_AT;
  }

  /** Closes the journal and gives the folder up. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#lock, { force: true });
  }

  #syncFolder(): void {
    const fd = openSync(this.folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
