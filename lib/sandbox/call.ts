/** The shapes every part of the sandbox shares: the runtime, one accepted call, and its reply. */
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxData, SandboxEndpoint } from './data.js';
import type { Deliveries } from './deliveries.js';
import type { Identity } from './identity.js';
import type { Part } from './multipart.js';
import type { SignWith } from './sign.js';
import type { V2SignType } from './v2.js';
import type { SandboxState } from './state.js';

/** What a notification carries; see behaviours/notifications.ts. */
export interface NotificationInput {
  event_type?: string;
  summary?: string;
  /** `original_type` and `associated_data` of the resource. */
  original_type?: string;
  resource: Record<string, unknown>;
}

/** The merchant's answer to a notification. */
export interface NotificationResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The notification as sent: its headers and body. */
  sent: { headers: Record<string, string>; body: string };
}

/** One running sandbox: who it is, what it knows, how it signs. */
export interface Runtime {
  identity: Identity;
  data: SandboxData;
  state: SandboxState;
  settings: Settings;
  /** The base URL it answers on (`http://127.0.0.1:<port>/`). */
  baseURL(): string;
  /** Notifications and their delivery (with retries). */
  deliveries: Deliveries;
}

/** What can be changed while the sandbox runs. */
export interface Settings {
  /** Which platform key signs answers and notifications. */
  signWith: SignWith;
  /** `succeed`: a refund is SUCCESS at once (default); `manual`: PROCESSING until settled from the console or the control API. */
  refunds: 'succeed' | 'manual';
}

/** A request the sandbox accepted (authenticated, validated), as a behaviour sees it. */
export interface Call {
  runtime: Runtime;
  endpoint: SandboxEndpoint;
  /** Path variables, decoded. */
  vars: Record<string, string>;
  /** The query, coerced to its schema's types. */
  query: Record<string, unknown>;
  /** APIv3: the parsed JSON body (undefined when empty); APIv2: the fields. */
  body: unknown;
  /** A media upload: every part, and the parsed meta. */
  parts?: Part[];
  meta?: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** APIv2: the request's sign type (the answer is signed the same way). */
  signType?: V2SignType;
}

/** An answer before it is signed and written. */
export type Reply =
  | {
      kind: 'v3';
      status: number;
      body: Buffer;
      contentType?: string;
      headers?: Record<string, string>;
      /** `signed`: Wechatpay-* headers over the body; `statement`: over `{"sha1":...}`; `none`: a file download. */
      signature: 'signed' | 'statement' | 'none';
    }
  | { kind: 'v2'; status: number; fields: Record<string, unknown>; signType?: V2SignType }
  | { kind: 'raw'; status: number; body: Buffer; headers: Record<string, string> };

/** A behaviour's answer to a call; undefined lets the documented example answer. */
export type Handler = (call: Call) => Reply | undefined | Promise<Reply | undefined>;
