export * from './errors.js';
export { Formatter } from './formatter.js';
export { VERSION } from './version.js';
export type * from './types.js';
