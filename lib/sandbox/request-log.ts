/** The request log: the last API requests handled, numbered, each told to `onRequest` and to the event listeners. */
import type { EventHub } from './events.js';
import type { RequestRecord } from './server.js';

/** The records kept. */
export const LOG_LIMIT = 1000;

export class RequestLog {
  readonly #records: RequestRecord[] = [];
  #seq = 0;

  constructor(private readonly events: EventHub, private readonly onRequest?: (record: RequestRecord) => void) {}

  add(entry: Omit<RequestRecord, 'seq'>): RequestRecord {
    const record: RequestRecord = { seq: ++this.#seq, ...entry };
    this.#records.push(record);
    if (this.#records.length > LOG_LIMIT) this.#records.splice(0, this.#records.length - LOG_LIMIT);
    this.onRequest?.(record);
    this.events.emit({ type: 'request', record });
    return record;
  }

  /** The records kept, oldest first (a copy). */
  list(): RequestRecord[] {
    return this.#records.slice();
  }

  clear(): void {
    this.#records.length = 0;
  }
}
