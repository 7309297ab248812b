import { AxiosHeaders } from 'axios';

/**
 * An AxiosHeaders filled with what is already in the form `normalize()` gives: names unique whatever their case,
 * values free of control characters and of surrounding blanks. axios normalizes the request's and the answer's
 * headers on every request (in its transformData, whether or not there are transforms), walking and re-checking
 * each one; for these, that walk changes nothing, so `normalize()` skips it. `normalize(true)` (which also
 * re-cases the names) still runs. `set()` keeps the form; a direct property write could break it, and the value
 * would still leave as the adapters write every header: as a byte string, control characters removed.
 *
 * Made only from two sources: node's parsed answer headers (node:http's parser refuses control characters, joins
 * repeated fields and lower-cases the names) and a call's own headers (checked by core/options.ts checkHeaders,
 * merged case-insensitively by core/prepare.ts, with the signer's Authorization, visible ASCII).
 */
export class CleanHeaders extends AxiosHeaders {
  override normalize(format?: boolean): AxiosHeaders {
    return format ? super.normalize(format) : this;
  }
}

/** Headers holding `fields` as they are (see {@link CleanHeaders} for what they must already be). */
export function cleanHeaders(fields: Readonly<Record<string, unknown>>): CleanHeaders {
  return Object.assign(new CleanHeaders(), fields);
}
