/**
 * Request validation against the API description's schemas (JSON Schema, with ajv): path variables,
 * query, APIv3 JSON body, APIv2 fields, multipart meta and form fields. Validators are compiled the first
 * time an endpoint is called. A failure is the platform's `400 PARAM_ERROR` with a `detail` naming the
 * field (a JSON pointer for bodies, the name for parameters), the value, the issue and the location.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DEFINITIONS_ID, FORMATS, type SandboxData, type SandboxEndpoint, type SandboxParam, type SandboxSchema } from './data.js';
import { paramError } from './errors.js';

function ajv(coerce: boolean, definitions: SandboxData['definitions']): Ajv {
  const instance = new Ajv({
    strict: false,
    allErrors: false,
    validateSchema: false,
    coerceTypes: coerce ? 'array' : false,
    logger: false,
    unicodeRegExp: true,
  });
  for (const [name, pattern] of Object.entries(FORMATS)) instance.addFormat(name, pattern);
  instance.addSchema({ $id: DEFINITIONS_ID, definitions }, DEFINITIONS_ID);
  return instance;
}

export type Location = 'path' | 'query' | 'body' | 'header' | 'form';

interface Compiled {
  path?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
  meta?: ValidateFunction;
  form?: ValidateFunction;
}

const objectOf = (params: readonly SandboxParam[]): SandboxSchema => ({
  type: 'object',
  properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
  required: params.filter((p) => p.required).map((p) => p.name),
});

export class Validator {
  readonly #strict: Ajv;
  readonly #coercing: Ajv;
  readonly #compiled = new WeakMap<SandboxEndpoint, Compiled>();

  constructor(data: SandboxData) {
    this.#strict = ajv(false, data.definitions);
    this.#coercing = ajv(true, data.definitions);
  }

  #for(endpoint: SandboxEndpoint): Compiled {
    let compiled = this.#compiled.get(endpoint);
    if (!compiled) {
      const v2 = endpoint.area === 'v2';
      compiled = {
        ...(endpoint.path ? { path: this.#coercing.compile(objectOf(endpoint.path)) } : {}),
        ...(endpoint.query ? { query: this.#coercing.compile(objectOf(endpoint.query)) } : {}),
        // APIv2 fields arrive as XML text: every value a string, coerced to the schema's type.
        ...(endpoint.body ? { body: (v2 ? this.#coercing : this.#strict).compile(endpoint.body.schema) } : {}),
        ...(endpoint.meta ? { meta: this.#strict.compile(endpoint.meta) } : {}),
        ...(endpoint.form ? { form: this.#coercing.compile(objectOf(endpoint.form.filter((p) => !p.file))) } : {}),
      };
      this.#compiled.set(endpoint, compiled);
    }
    return compiled;
  }

  /** Path variables: every one present (the route made sure) and valid. Returns whether they are. */
  pathMatches(endpoint: SandboxEndpoint, vars: Record<string, string>): boolean {
    const check = this.#for(endpoint).path;
    return !check || check({ ...vars });
  }

  /** Checks `value` at `location` and returns it coerced (query, path, APIv2 fields); throws PARAM_ERROR. */
  check<T>(endpoint: SandboxEndpoint, location: Location | 'meta', value: T): T {
    const compiled = this.#for(endpoint);
    const validate = location === 'path' ? compiled.path
      : location === 'query' ? compiled.query
        : location === 'body' ? compiled.body
          : location === 'meta' ? compiled.meta
            : location === 'form' ? compiled.form : undefined;
    if (!validate || validate(value)) return value;
    throw failure(validate.errors?.[0], location === 'meta' ? 'form' : location, value, location === 'meta' ? '/meta' : '');
  }
}

/** The value at a JSON pointer. */
function at(value: unknown, pointer: string): unknown {
  let here = value;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return here;
}

function failure(error: ErrorObject | undefined, location: Location, value: unknown, prefix: string) {
  if (!error) return paramError(location, '', 'is not valid');
  const missing = error.keyword === 'required' ? String((error.params as { missingProperty: string }).missingProperty) : undefined;
  const pointer = missing === undefined ? error.instancePath : `${error.instancePath}/${missing}`;
  // Parameters are named by their name; bodies by a JSON pointer.
  const named = location === 'path' || location === 'query' || location === 'header' || (location === 'form' && !prefix);
  const field = named ? pointer.replace(/^\//, '').split('/')[0]! + pointer.replace(/^\/[^/]*/, '') : `${prefix}${pointer}`;
  const issue = missing !== undefined ? 'is required' : error.keyword === 'enum'
    ? `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
    : error.message ?? 'is not valid';
  return paramError(location, field || '/', issue, missing === undefined ? at(value, error.instancePath) : undefined);
}
