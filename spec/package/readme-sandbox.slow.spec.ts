/**
 * The README's sandbox command, exactly as written, in this checkout: `npx wechatpay-chain sandbox ...` run by a
 * shell in the repository's folder starts the sandbox (npx links the package's own bin, bin/wechatpay-chain.cjs,
 * into npm's npx cache and runs it), which answers a verified call with the settings it wrote; Ctrl-C (SIGINT to
 * the process group, as a terminal sends it) stops it. `npm test` builds first. The same command in a project
 * that installed the package is checked by .ci/consumer.mjs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Builder } from '../../lib/core/builder.js';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
let child: ChildProcess | undefined;
let madeDir = false;

/** Whether something already listens on 127.0.0.1:port (another engineer's sandbox, say). */
function taken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

afterAll(() => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (madeDir) rmSync(join(root, '.sandbox'), { recursive: true, force: true });
});

describe("the README's `npx wechatpay-chain sandbox` in a checkout", () => {
  const line = /^npx wechatpay-chain sandbox[^#\n]*/m.exec(readme)?.[0]?.trim();

  it('is in the README', () => {
    expect(line).toBe('npx wechatpay-chain sandbox --port 8080 --dir ./.sandbox');
  });

  it('starts the sandbox, which answers a verified call, and stops on Ctrl-C', async () => {
    if (!existsSync(join(root, 'dist', 'cjs', 'cli', 'index.js'))) throw new Error('dist is missing: run npm run build first (npm test does)');
    let command = line!;
    let port = 8080;
    if (await taken(port)) {
      // The command as written, on another port: 8080 is someone else's on a shared machine.
      port = await freePort();
      command = command.replace('--port 8080', `--port ${port}`);
      console.log(`port 8080 is in use here: running \`${command}\``);
    }
    madeDir = !existsSync(join(root, '.sandbox'));
    // A shell as a user has it: no npm_* variables of the `npm test` that may be running this.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
    const started = spawn('sh', ['-c', command], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sandbox did not start within 60 s: ${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Stop with Ctrl-C.')) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout!.on('data', onData);
      started.stderr!.on('data', onData);
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the command exited (${code}) before the sandbox started: ${output}`));
      });
    });

    const config = JSON.parse(readFileSync(join(root, '.sandbox', 'sandbox.json'), 'utf8'));
    expect(config.baseURL).toBe(`http://127.0.0.1:${port}/`);
    expect(output).toContain(`WeChat Pay sandbox listening on ${config.baseURL}`);
    const { status, data } = await Builder.factory(config).v3.certificates.get();
    expect(status).toBe(200);
    expect(data.data?.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output).toMatch(/GET \/v3\/certificates -> 200/);

    process.kill(-started.pid!, 'SIGINT');
    await exited;
    for (let tries = 0; tries < 50 && !(await refused(port)); tries += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await refused(port)).toBe(true);
  }, 90_000);
});
