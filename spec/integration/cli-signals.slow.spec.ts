/**
 * Stopping the sandbox the way people start it stops the server process: `npm run sandbox` and
 * `npx wechatpay-chain sandbox` (a consumer's folder with the package linked in) are sent SIGTERM or
 * SIGINT at npm's own process id, as a process manager or a test runner does, or SIGINT to the whole
 * process group, as Ctrl-C in a terminal does. npm passes a signal to its child only: `npm run sandbox`
 * execs node (no shell in between); `npx` runs the bin through `sh -c`, which dies of SIGTERM (the
 * server sees its parent go and stops) but holds SIGINT until its child exits, as POSIX shells do, so
 * for npx SIGINT is the terminal's, to the group. The server must stop, and its port close.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printed } from '../support/child.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'cjs', 'cli', 'index.js');
let work: string;
const children: ChildProcess[] = [];
const servers: number[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wechatpay-signals-'));
});
afterAll(() => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of servers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Whether a process runs (a zombie waiting to be reaped does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs `command` in `cwd` until the sandbox it starts listens; resolves with npm's child and the server's pid. */
async function launch(command: string, args: string[], cwd: string, dir: string): Promise<{ child: ChildProcess; pid: number; baseURL: string }> {
  // Its own process group, as a terminal's foreground job.
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  children.push(child);
  await printed(child, 'Stop with Ctrl-C.', command, 40_000);
  const { baseURL } = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
  const { pid } = await (await fetch(`${baseURL}__sandbox`)).json() as { pid: number };
  servers.push(pid);
  expect(pid).not.toBe(child.pid);
  return { child, pid, baseURL };
}

type How = 'pid' | 'group';

async function stopsWith(signal: NodeJS.Signals, how: How, started: { child: ChildProcess; pid: number; baseURL: string }): Promise<number> {
  const t0 = Date.now();
  if (how === 'pid') started.child.kill(signal);
  else process.kill(-started.child.pid!, signal);
  while (alive(started.pid) && Date.now() - t0 < 10_000) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(alive(started.pid)).toBe(false);
  await expect(fetch(`${started.baseURL}__sandbox`)).rejects.toThrow();
  return Date.now() - t0;
}

describe('stopping the sandbox', () => {
  it.each([['SIGTERM', 'pid'], ['SIGINT', 'pid'], ['SIGINT', 'group']] as const)('npm run sandbox, sent %s (to npm’s %s), stops its server', async (signal, how) => {
    const dir = join(work, `npm-${signal}-${how}`);
    const started = await launch('npm', ['run', 'sandbox', '--silent', '--', '--port', '0', '--dir', dir, '--quiet'], root, dir);
    const ms = await stopsWith(signal, how, started);
    console.log(`npm run sandbox: ${signal} to npm's ${how} -> the server (pid ${started.pid}) gone in ${ms} ms`);
  }, 60_000);

  it.each([['SIGTERM', 'pid'], ['SIGINT', 'group']] as const)('npx wechatpay-chain sandbox, sent %s (to npm’s %s), stops its server', async (signal, how) => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
    // A consumer's project with this package installed (linked).
    const consumer = join(work, `consumer-${signal}-${how}`);
    mkdirSync(join(consumer, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(consumer, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}\n');
    symlinkSync(root, join(consumer, 'node_modules', 'wechatpay-chain'), 'dir');
    symlinkSync(join('..', 'wechatpay-chain', 'dist', 'cjs', 'cli', 'index.js'), join(consumer, 'node_modules', '.bin', 'wechatpay-chain'));
    const dir = join(consumer, '.sandbox');
    const started = await launch('npx', ['--no-install', 'wechatpay-chain', 'sandbox', '--port', '0', '--dir', dir, '--quiet'], consumer, dir);
    const ms = await stopsWith(signal, how, started);
    console.log(`npx wechatpay-chain sandbox: ${signal} to npm's ${how} -> the server (pid ${started.pid}) gone in ${ms} ms`);
  }, 60_000);
});
