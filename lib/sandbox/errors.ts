/**
 * A failure the sandbox answers as the platform does: APIv3 `{"code","message","detail"}` with an HTTP
 * status, APIv2 `<return_code>FAIL</return_code>` (or `result_code` FAIL with `err_code`).
 */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

/** 401: the request's signature (or its merchant, serial or clock) is not accepted. */
export const signError = (reason: string): PlatformError => new PlatformError(401, 'SIGN_ERROR', `签名错误: ${reason}`);

/** 400: a parameter is missing or does not match its schema. */
export function paramError(location: string, field: string, issue: string, value?: unknown): PlatformError {
  const where = field === '' ? location : `${location} ${field}`;
  return new PlatformError(400, 'PARAM_ERROR', `参数错误: ${where} ${issue}`, {
    field,
    ...(value === undefined ? {} : { value }),
    issue,
    location,
  });
}

/** 400: the request is well-formed but breaks a business rule. */
export const invalidRequest = (message: string): PlatformError => new PlatformError(400, 'INVALID_REQUEST', message);

/** 404: the resource the request names does not exist. */
export const notExists = (message: string): PlatformError => new PlatformError(404, 'RESOURCE_NOT_EXISTS', message);
