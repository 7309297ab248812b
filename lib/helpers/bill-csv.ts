import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { BillError } from '../errors.js';

/**
 * One record of a bill, in file order: the header of the data rows, each data row, the header of
 * the summary, then the summary row.
 */
export type BillRecord =
  | { type: 'header'; section: 'rows' | 'summary'; names: string[]; line: number }
  | { type: 'row'; fields: Record<string, string>; values: string[]; line: number }
  | { type: 'summary'; fields: Record<string, string>; values: string[]; line: number };

/** A whole bill read into memory ({@link readBill}). */
export interface BillTable {
  header: string[];
  rows: Array<Record<string, string>>;
  summaryHeader: string[];
  summary: Record<string, string>;
}

/** What {@link parseBill} reads: a stream or async iterable of bytes or text, or the whole CSV as a string or bytes. */
export type BillSource = Readable | AsyncIterable<Buffer | Uint8Array | string> | string | Buffer | Uint8Array;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const BOM = 0xfeff;

/** Splits CSV text into records (RFC 4180 quoting, CRLF or LF), fed in pieces of any size. */
class CsvSplitter {
  #field = '';
  #values: string[] = [];
  #inQuotes = false;
  #justClosed = false;
  #atFieldStart = true;
  #first = true;
  /** The line the current record started on. */
  #line = 1;
  #lineNow = 1;

  feed(text: string, emit: (values: string[], line: number) => void): void {
    let index = 0;
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.charCodeAt(0) === BOM) index = 1;
    }
    let start = index;
    for (const length = text.length; index < length; index++) {
      const code = text.charCodeAt(index);
      if (this.#inQuotes) {
        if (code === QUOTE) {
          this.#field += text.slice(start, index);
          start = index + 1;
          this.#inQuotes = false;
          this.#justClosed = true;
        } else if (code === LF) {
          this.#lineNow += 1;
        }
        continue;
      }
      if (code === QUOTE) {
        if (this.#justClosed) {
          // `""` inside a quoted field: one quote, and the field goes on quoted
          this.#field += '"';
          this.#inQuotes = true;
          this.#justClosed = false;
          start = index + 1;
        } else if (this.#atFieldStart) {
          this.#inQuotes = true;
          this.#atFieldStart = false;
          start = index + 1;
        }
        // a quote inside an unquoted field is kept as it is
        continue;
      }
      this.#justClosed = false;
      if (code === COMMA) {
        this.#values.push(this.#field + text.slice(start, index));
        this.#field = '';
        this.#atFieldStart = true;
        start = index + 1;
      } else if (code === LF) {
        let last = this.#field + text.slice(start, index);
        if (last.endsWith('\r')) last = last.slice(0, -1);
        this.#values.push(last);
        this.#flush(emit);
        this.#lineNow += 1;
        this.#line = this.#lineNow;
        start = index + 1;
      } else {
        this.#atFieldStart = false;
      }
    }
    this.#field += text.slice(start);
  }

  end(emit: (values: string[], line: number) => void): void {
    if (this.#inQuotes) throw new BillError('EBILL_CSV', `The bill ends inside a quoted field (from line ${this.#line})`, { line: this.#line });
    if (this.#field !== '' || this.#values.length > 0) {
      this.#values.push(this.#field.endsWith('\r') ? this.#field.slice(0, -1) : this.#field);
      this.#flush(emit);
    }
  }

  #flush(emit: (values: string[], line: number) => void): void {
    const values = this.#values;
    this.#values = [];
    this.#field = '';
    this.#atFieldStart = true;
    this.#justClosed = false;
    if (values.length === 1 && values[0] === '') return; // a blank line
    emit(values, this.#line);
  }
}

/** Data and summary fields carry a leading backtick (so spreadsheets keep long numbers as text). */
function unmarked(value: string): string {
  return value.charCodeAt(0) === 0x60 ? value.slice(1) : value;
}

function record(names: readonly string[], values: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name, index) => [name, values[index] ?? '']));
}

/** Turns records into the sections of a bill: header, rows, summary header, summary. */
class BillShape {
  #state: 'header' | 'rows' | 'summary' | 'done' = 'header';
  #header: string[] = [];
  #summaryHeader: string[] = [];

  take(values: string[], line: number, out: BillRecord[]): void {
    const data = values[0]?.charCodeAt(0) === 0x60;
    switch (this.#state) {
      case 'header':
        if (data) throw new BillError('EBILL_CSV', `Line ${line} is a data row, but a bill starts with its header row`, { line });
        this.#header = values;
        this.#state = 'rows';
        out.push({ type: 'header', section: 'rows', names: values, line });
        return;
      case 'rows':
        if (data) {
          const plain = values.map(unmarked);
          out.push({ type: 'row', fields: record(this.#header, plain), values: plain, line });
        } else {
          this.#summaryHeader = values;
          this.#state = 'summary';
          out.push({ type: 'header', section: 'summary', names: values, line });
        }
        return;
      case 'summary': {
        if (!data) throw new BillError('EBILL_CSV', `Line ${line} should be the summary row (its fields start with a backtick)`, { line });
        const plain = values.map(unmarked);
        this.#state = 'done';
        out.push({ type: 'summary', fields: record(this.#summaryHeader, plain), values: plain, line });
        return;
      }
      default:
        throw new BillError('EBILL_CSV', `Line ${line} comes after the summary row, which ends a bill`, { line });
    }
  }

  end(): void {
    if (this.#state !== 'done') {
      throw new BillError('EBILL_CSV', `The bill ends before its ${this.#state === 'header' ? 'header' : this.#state === 'rows' ? 'summary header' : 'summary row'}`);
    }
  }
}

/** What a value given as a bill is, for a message (never its content). */
function notABill(source: unknown): BillError {
  const kind = source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source === 'object' ? 'an object that is neither bytes nor a stream' : `a ${typeof source}`;
  return new BillError('EBILL_CSV', `A bill is read from a string, a Buffer or Uint8Array, or a stream (async iterable) of them, got ${kind}`);
}

async function* chunksOf(source: BillSource): AsyncGenerator<string> {
  const iterable = typeof source === 'object' && source !== null && Symbol.asyncIterator in source;
  if (typeof source !== 'string' && !(source instanceof Uint8Array) && !iterable) throw notABill(source);
  if (typeof source === 'string') {
    yield source;
    return;
  }
  const decoder = new StringDecoder('utf8');
  if (source instanceof Uint8Array) {
    yield decoder.write(Buffer.from(source.buffer, source.byteOffset, source.byteLength));
  } else {
    for await (const chunk of source as AsyncIterable<unknown>) {
      if (typeof chunk === 'string') yield chunk;
      else if (chunk instanceof Uint8Array) yield decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      else throw new BillError('EBILL_CSV', 'A bill stream must yield strings or bytes');
    }
  }
  yield decoder.end();
}

/**
 * Reads a WeChat Pay bill CSV (trade or fund-flow) as it streams: UTF-8 with or without a BOM, CRLF or
 * LF, quoted fields, the leading backtick of every data and summary field removed. Yields the data
 * header, each row (`fields` keyed by the header's names, in the file's own column order), the
 * summary header and the summary; memory stays flat whatever the size. A file that does not have
 * that shape fails with a {@link BillError} (`EBILL_CSV`) naming the line.
 *
 * ```ts
 * for await (const record of parseBill(await openBill(client, answer))) {
 *   if (record.type === 'row') console.log(record.fields['微信订单号'], record.fields['订单金额']);
 *   else if (record.type === 'summary') console.log(record.fields['总交易单数']);
 * }
 * ```
 */
export async function* parseBill(source: BillSource): AsyncGenerator<BillRecord, void, undefined> {
  const splitter = new CsvSplitter();
  const shape = new BillShape();
  const out: BillRecord[] = [];
  const emit = (values: string[], line: number) => shape.take(values, line, out);
  // Records before a bad line are yielded first, then the error.
  function* step(work: () => void): Generator<BillRecord> {
    let failure: { error: unknown } | undefined;
    try {
      work();
    } catch (error) {
      failure = { error };
    }
    yield* out;
    out.length = 0;
    if (failure) throw failure.error;
  }
  for await (const text of chunksOf(source)) yield* step(() => splitter.feed(text, emit));
  yield* step(() => {
    splitter.end(emit);
    shape.end();
  });
}

/** A whole bill held in memory, from its text or bytes (small bills; stream big ones with {@link parseBill}). */
export function readBill(content: string | Buffer | Uint8Array): BillTable {
  if (typeof content !== 'string' && !(content instanceof Uint8Array)) throw notABill(content);
  const text = typeof content === 'string' ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
  const splitter = new CsvSplitter();
  const shape = new BillShape();
  const out: BillRecord[] = [];
  const emit = (values: string[], line: number) => shape.take(values, line, out);
  splitter.feed(text, emit);
  splitter.end(emit);
  shape.end();
  const table: BillTable = { header: [], rows: [], summaryHeader: [], summary: {} };
  for (const item of out) {
    if (item.type === 'header') {
      if (item.section === 'rows') table.header = item.names;
      else table.summaryHeader = item.names;
    } else if (item.type === 'row') {
      table.rows.push(item.fields);
    } else {
      table.summary = item.fields;
    }
  }
  return table;
}
