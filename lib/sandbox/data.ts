/**
 * The sandbox's description of every endpoint (lib/generated/sandbox.json, emitted by
 * scripts/codegen/emit-sandbox.ts): what a request may carry, and what a documented answer looks like.
 * Read from disk when a sandbox starts, never when the package root is imported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** JSON values as the data file holds them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A JSON Schema (draft-07 keywords, plus OpenAPI's `nullable`); `$ref` points into the shared definitions. */
export interface SandboxSchema {
  $ref?: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  properties?: Record<string, SandboxSchema>;
  required?: string[];
  items?: SandboxSchema;
  oneOf?: SandboxSchema[];
  enum?: Array<string | number | boolean>;
  nullable?: boolean;
  format?: string;
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
}

export interface SandboxParam {
  name: string;
  required?: boolean;
  schema: SandboxSchema;
}

/** A multipart part other than the JSON meta: the file part, or a plain form field. */
export interface SandboxFormPart extends SandboxParam {
  /** The part carries the file bytes. */
  file?: boolean;
}

export type ResponseKind = 'json' | 'xml' | 'empty' | 'binary' | 'text';

/** A documented example request, in the SDK's option names. */
export interface ExampleRequest {
  /** Path variables. */
  vars?: Record<string, Json>;
  query?: JsonObject;
  /** APIv3 JSON body. */
  json?: Json;
  /** APIv2 fields (the XML body, or the signed query of the GET endpoints); without `nonce_str` and `sign`. */
  xml?: JsonObject;
  headers?: Record<string, string>;
  /** A media upload: the meta object, the name of the file part, other form fields, and where the file digest goes. */
  multipart?: {
    meta: JsonObject;
    file: string;
    fields?: JsonObject;
    digest?: { field: string; algorithm: 'sha256' | 'sm3' | 'md5'; upper?: boolean };
  };
}

export interface SandboxEndpoint {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The client's URI template (`v3/...`, `v2/pay/micropay`, `hk/v3/...`). */
  template: string;
  area: 'v3' | 'v2' | 'hk' | 'global';
  path?: SandboxParam[];
  query?: SandboxParam[];
  header?: Array<{ name: string; required?: boolean }>;
  /** Multipart parts besides `meta` (whose schema is `meta`). */
  form?: SandboxFormPart[];
  meta?: SandboxSchema;
  body?: { required: boolean; schema: SandboxSchema };
  /** JSON pointers of the body fields encrypted for the platform (`*` for every array item). */
  sensitive?: string[];
  response: { status: number; kind: ResponseKind };
  /** APIv2: the answer carries no `sign`. */
  unsigned?: boolean;
  /** APIv2: mutual TLS with the merchant certificate. */
  certRequired?: boolean;
  example: {
    request: ExampleRequest;
    /** The documented answer (required fields always; optional ones when documented). */
    answer?: Json;
    /** Required request fields without a documented example (a value was made up from their type). */
    missing?: string[];
  };
}

export interface SandboxData {
  generated: string[];
  /** Schemas used by more than one endpoint, by `$ref` id (`defs#/definitions/<n>`). */
  definitions: Record<string, SandboxSchema>;
  endpoints: SandboxEndpoint[];
}

/** The formats the sandbox checks (any other `format` of the data is descriptive only). */
export const FORMATS: Readonly<Record<string, RegExp>> = {
  rfc3339: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  numeric: /^\d+$/,
  yyyyMMddHHmmss: /^\d{14}$/,
};

/** The `$id` the shared definitions are registered under. */
export const DEFINITIONS_ID = 'defs';

/** This module's folder, under ES modules and CommonJS alike (source through tsx or jest, or the built dist). */
export function here(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/** Where the data file is: in lib/generated (source), or dist/sandbox-data.json (the built package, one copy for both formats). */
export function dataFile(): string {
  const candidates = [join(here(), '..', 'generated', 'sandbox.json'), join(here(), '..', '..', 'sandbox-data.json')];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`The sandbox's API description is missing (looked for ${candidates.join(', ')}); run npm run codegen / npm run build`);
  return found;
}

const cache = new Map<string, SandboxData>();

/** The API description, read once per process. */
export function loadData(file = dataFile()): SandboxData {
  let data = cache.get(file);
  if (!data) {
    data = JSON.parse(readFileSync(file, 'utf8')) as SandboxData;
    if (!Array.isArray(data.endpoints) || typeof data.definitions !== 'object') throw new Error(`${file} is not the sandbox's API description`);
    cache.set(file, data);
  }
  return data;
}
