/**
 * The platform certificate lifecycle, driven from tests (`sandbox.certificates`) or with curl:
 *
 *     GET    /__sandbox/certificates              mode, the key signing now, every certificate (listed, validity, signsFrom)
 *     POST   /__sandbox/certificates/rotate       {"at":"2025-01-01T00:00:00Z"} | {"in":30} (seconds) | {}: a new certificate,
 *                                                 listed at once, signing from then; optional "notBefore"/"notAfter"
 *     PUT    /__sandbox/certificates              {"mode":"public-key-only"} | {"mode":"certificates"}
 *     DELETE /__sandbox/certificates/<serial>     the platform stops listing it
 */
import type { ServerResponse } from 'node:http';
import type { Identity } from './identity.js';
import { platformCertificates, type CertificatesView, type RotateOptions } from './platform-certificates.js';

/** `sandbox.certificates`. */
export interface SandboxCertificates {
  /** Issues a new platform certificate, listed in `GET v3/certificates` at once; answers switch to its key at `at` (default now). */
  rotate(options?: RotateOptions): Promise<{ serial: string; validFrom: Date; validTo: Date; signsFrom: Date }>;
  /** The platform stops listing a certificate (it still verifies what it signed). */
  retire(serial: string): void;
  /** Public-key-only: no certificates (`v3/certificates` answers 404 RESOURCE_NOT_EXISTS), every answer signed with the public key. */
  setPublicKeyOnly(on: boolean): void;
  view(): CertificatesView;
}

export function sandboxCertificates(identity: Identity): SandboxCertificates {
  const lifecycle = platformCertificates(identity);
  return {
    async rotate(options = {}) {
      const { id, validFrom, validTo } = await lifecycle.rotate(options);
      return { serial: id, validFrom, validTo, signsFrom: new Date(options.at ?? Date.now()) };
    },
    retire: (serial) => lifecycle.retire(serial),
    setPublicKeyOnly: (on) => lifecycle.setPublicKeyOnly(on),
    view: () => lifecycle.view(),
  };
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
}

function input(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const value: unknown = JSON.parse(body.toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('The body must be a JSON object');
  return value as Record<string, unknown>;
}

function time(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new Error(`${name} must be a time (ISO 8601 or milliseconds since the epoch)`);
  return date;
}

/** Handles `/__sandbox/certificates...` (`path` without the prefix). */
export async function certificateControl(certificates: SandboxCertificates, method: string, path: string, body: Buffer, res: ServerResponse): Promise<void> {
  try {
    if (method === 'GET' && path === '/certificates') return send(res, 200, certificates.view());
    if (method === 'PUT' && path === '/certificates') {
      const { mode } = input(body);
      if (mode !== 'public-key-only' && mode !== 'certificates') throw new Error('mode is "public-key-only" or "certificates"');
      certificates.setPublicKeyOnly(mode === 'public-key-only');
      return send(res, 200, certificates.view());
    }
    if (method === 'POST' && path === '/certificates/rotate') {
      const request = input(body);
      if (request['in'] !== undefined && (typeof request['in'] !== 'number' || !Number.isFinite(request['in']))) throw new Error('in is a number of seconds');
      const at = time(request['at'], 'at') ?? (typeof request['in'] === 'number' ? new Date(Date.now() + request['in'] * 1000) : undefined);
      const notBefore = time(request['notBefore'], 'notBefore');
      const notAfter = time(request['notAfter'], 'notAfter');
      const rotated = await certificates.rotate({ ...(at ? { at } : {}), ...(notBefore ? { notBefore } : {}), ...(notAfter ? { notAfter } : {}) });
      return send(res, 201, { serial: rotated.serial, signsFrom: rotated.signsFrom.toISOString(), ...certificates.view() });
    }
    const retire = /^\/certificates\/([0-9A-Fa-f]+)$/.exec(path);
    if (method === 'DELETE' && retire) {
      certificates.retire(retire[1]!);
      return send(res, 200, certificates.view());
    }
    send(res, 404, { code: 'SANDBOX_ERROR', message: `No control endpoint ${method} /__sandbox${path} (see the head of lib/sandbox/certificate-control.ts)` });
  } catch (error) {
    send(res, 400, { code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) });
  }
}
