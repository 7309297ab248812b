import { arch, platform, release } from 'node:os';
import axios from 'axios';
import { VERSION } from '../version.js';

/** `wechatpay-chain/<version> (<os> <release>; <arch>) axios/<version> node/<version>` */
export function userAgent(): string {
  return `wechatpay-chain/${VERSION} (${platform()} ${release()}; ${arch()}) axios/${axios.VERSION} node/${process.versions.node}`;
}
