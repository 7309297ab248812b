/** Identifiers and times shaped as the platform writes them (Beijing time, UTC+08:00). */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** `2025-01-01T08:00:00+08:00`. */
export function rfc3339(at = new Date()): string {
  return `${new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** `2025-01-01 08:00:00`, as bills write times. */
export function billTime(at: Date): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `2025-01-01`: the Beijing date of `at` (bills are per Beijing day). */
export function beijingDate(at = new Date()): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** `20250101080000`. */
const compact = (at: Date): string => rfc3339(at).slice(0, 19).replace(/[-T:]/g, '');

export const digits = (count: number): string => Array.from({ length: count }, () => randomInt(10)).join('');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const alnum = (count: number): string => Array.from({ length: count }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** 32 characters of `[0-9A-Za-z]`: a `nonce_str`, a `Wechatpay-Nonce`. */
export const nonce = (size = 32): string => alnum(size);

export const ids = {
  /** 28 digits, `4200...`. */
  transaction: (at = new Date()): string => `4200${digits(6)}${compact(at).slice(0, 8)}${digits(10)}`,
  /** 29 digits, `50...`. */
  refund: (at = new Date()): string => `50${digits(11)}${compact(at).slice(0, 8)}${digits(8)}`,
  /** 28 digits, `30084507...`: a profit-sharing order's, a share's or a return's id. */
  sharing: (at = new Date()): string => `30084507${compact(at).slice(0, 8)}${digits(12)}`,
  /** 28 digits, `12177525...`: a combined order's transaction id. */
  combineTransaction: (at = new Date()): string => `12177525${compact(at).slice(0, 8)}${digits(12)}`,
  /** 40 digits, `1330000...`: a transfer bill's number. */
  transferBill: (at = new Date()): string => `1330000${digits(5)}${compact(at).slice(0, 8)}${digits(20)}`,
  /** `wx` + time + 22 hex characters (36 in all). */
  prepay: (at = new Date()): string => `wx${compact(at)}${randomBytes(11).toString('hex')}`,
  codeUrl: (): string => `weixin://wxpay/bizpayurl?pr=${alnum(7)}`,
  h5Url: (prepayId: string): string => `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${prepayId}&package=${digits(10)}`,
  /** A payer's openid (28 characters). */
  openid: (): string => `o${alnum(27)}`,
  media: (): string => randomBytes(48).toString('base64url'),
  notification: (): string => randomUUID(),
};
