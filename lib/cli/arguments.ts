/** Parsers of option values the commands share (commander calls them; a bad value is a usage error). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './exit.js';

export function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError('a port is 0 to 65535 (0: any free port)');
  return number;
}

export function scale(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 1) throw new InvalidArgumentError('the time scale is a number above 0, at most 1 (0.001: a thousand times faster)');
  return number;
}

export function milliseconds(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('a timeout is a whole number of milliseconds, 1 or more');
  return number;
}

export function count(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('a count is a whole number, 1 or more');
  return number;
}

/** An http(s) URL. */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${value} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('a notification goes to an http(s) URL');
  return url.href;
}

/** JSON given inline or as `@file` (`@-`: stdin). */
export function jsonArgument(flag: string, value: string): unknown {
  let text = value;
  if (value.startsWith('@')) {
    const file = value.slice(1);
    try {
      text = readFileSync(file === '-' ? 0 : resolve(file), 'utf8');
    } catch (error) {
      throw new UsageError(`${flag} ${value}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${flag} is not JSON: ${(error as Error).message}`);
  }
}
