/**
 * handler.fetch(request) with Web Request/Response (examples/notify-hono.ts): in Hono on
 * @hono/node-server, and as a Next.js App Router route handler (`export const { POST }`).
 */
import { serve, serveNext } from '../../examples/notify-hono.js';
import { adapterSuite } from './notify-harness.js';

adapterSuite('handler.fetch (Hono)', serve);
adapterSuite('handler.fetch (Next.js route handler)', serveNext);
