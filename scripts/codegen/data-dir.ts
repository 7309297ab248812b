/**
 * Where the API description lives: inside the repository, in scripts/codegen/openapi (see its PROVENANCE.md).
 * `--data <dir>` or `$WECHATPAY_OPENAPI_DIR` point the generator at another copy, e.g. a newer upstream.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The folder of the API description kept in the repository whose root is `repo`. */
export function bundledOpenapiDir(repo: string): string {
  return join(repo, 'scripts', 'codegen', 'openapi');
}

/** The API description folder to read; throws a clear error when it holds no `swagger.yaml`. */
export function openapiDir(repo: string, override: string | undefined = process.env['WECHATPAY_OPENAPI_DIR']): string {
  const dir = resolve(override ?? bundledOpenapiDir(repo));
  if (!existsSync(join(dir, 'swagger.yaml'))) {
    throw new Error(`The API description is missing: ${dir} holds no swagger.yaml ` +
      '(the repository keeps it in scripts/codegen/openapi: restore it with `git checkout -- scripts/codegen/openapi`, or set WECHATPAY_OPENAPI_DIR)');
  }
  return dir;
}
