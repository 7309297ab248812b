/**
 * The platform certificate lifecycle, driven from tests (`sandbox.certificates`) or with curl:
 *
 *     GET    /__sandbox/certificates              mode, the key signing now, every certificate (listed, validity, signsFrom)
 *     POST   /__sandbox/certificates/rotate       {"at":"2025-01-01T00:00:00Z"} | {"in":30} (seconds) | {}: a new certificate,
 *                                                 listed at once, signing from then; optional "notBefore"/"notAfter"
 *     PUT    /__sandbox/certificates              {"mode":"public-key-only"} | {"mode":"certificates"}
 *     DELETE /__sandbox/certificates/<serial>     the platform stops listing it
 */
import { InputError, timeOf } from './checks.js';
import { notFound, reply, type ControlRoute } from './control.js';
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

export const certificateRoutes: readonly ControlRoute[] = [
  { method: 'GET', path: 'certificates', summary: 'mode, the key signing now, every certificate', handle: ({ parts }) => parts.certificates.view() },
  {
    method: 'PUT', path: 'certificates', summary: '{"mode":"public-key-only"|"certificates"}',
    handle: ({ parts, input }) => {
      const { mode } = input();
      if (mode !== 'public-key-only' && mode !== 'certificates') throw new InputError('mode is "public-key-only" or "certificates"');
      parts.certificates.setPublicKeyOnly(mode === 'public-key-only');
      return parts.certificates.view();
    },
  },
  {
    method: 'POST', path: 'certificates/rotate', summary: '{"at":...}|{"in":seconds}|{}, optional "notBefore"/"notAfter": a new certificate',
    handle: async ({ parts, input }) => {
      const request = input();
      if (request['in'] !== undefined && (typeof request['in'] !== 'number' || !Number.isFinite(request['in']))) throw new InputError('in is a number of seconds');
      const at = timeOf(request['at'], 'at') ?? (typeof request['in'] === 'number' ? new Date(Date.now() + request['in'] * 1000) : undefined);
      const notBefore = timeOf(request['notBefore'], 'notBefore');
      const notAfter = timeOf(request['notAfter'], 'notAfter');
      const rotated = await parts.certificates.rotate({ ...(at ? { at } : {}), ...(notBefore ? { notBefore } : {}), ...(notAfter ? { notAfter } : {}) });
      return reply(201, { serial: rotated.serial, signsFrom: rotated.signsFrom.toISOString(), ...parts.certificates.view() });
    },
  },
  {
    method: 'DELETE', path: 'certificates/{serial}', summary: 'the platform stops listing it',
    handle: ({ parts, params }) => {
      if (!/^[0-9A-Fa-f]+$/.test(params['serial']!)) throw notFound(`No platform certificate ${params['serial']}`);
      parts.certificates.retire(params['serial']!);
      return parts.certificates.view();
    },
  },
];
