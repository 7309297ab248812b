/**
 * One process of the fleet in fleet.slow.spec.ts: a client with automatic certificates on a RedisCertificateStore
 * and a notification handler on a RedisNotificationStore (ioredis or node-redis, as told), driven by JSON
 * lines on stdin (`{ id, cmd, ... }`) and answering one JSON line per command on stdout.
 */
import { createInterface } from 'node:readline';
import { Builder, type ClientConfig } from '../../lib/index.js';
import { RedisCertificateStore, RedisNotificationStore } from '../../lib/redis/index.js';
import { CLIENTS, type ClientName } from '../support/redis.js';

export interface WorkerSettings {
  settings: ClientConfig;
  outTradeNo: string;
  redisUrl: string;
  client: ClientName;
  prefix: string;
}

export type WorkerCommand =
  | { cmd: 'calls'; n: number; concurrency: number }
  | { cmd: 'notify'; headers: Record<string, string>; body: string; fail: boolean }
  | { cmd: 'state' }
  | { cmd: 'exit' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const settings = JSON.parse(process.argv[2]!) as WorkerSettings;
  const { client: redis, close } = await CLIENTS[settings.client](settings.redisUrl);
  const refreshes: Array<{ reason: string; source: string; added: string[] }> = [];
  const errors: Array<{ code: string; message: string }> = [];
  const client = Builder.factory({
    ...settings.settings,
    autoCertificates: {
      store: new RedisCertificateStore(redis, { prefix: settings.prefix }),
      minInterval: 1000,
      onRefresh: ({ reason, source, added }) => refreshes.push({ reason, source, added }),
      onError: ({ code, message }) => errors.push({ code, message }),
    },
  });
  let failing = false;
  let ran = 0;
  const handler = client.notification.handler({
    '*': async () => {
      ran += 1;
      // Long enough for every concurrent delivery to meet the claim of the one that runs.
      await sleep(300);
      if (failing) throw new Error('the handler failed on purpose');
    },
  }, { store: new RedisNotificationStore(redis, { prefix: settings.prefix }), onError: () => undefined });
  const mchid = String(settings.settings.mchid);
  const query = () => client.chain('v3/pay/transactions/out-trade-no/{out_trade_no}').get({ out_trade_no: settings.outTradeNo, query: { mchid } }) as Promise<{ status: number; headers: Record<string, unknown> }>;

  const run = async (command: WorkerCommand): Promise<unknown> => {
    switch (command.cmd) {
      case 'calls': {
        const statuses: number[] = [];
        const serials = new Set<string>();
        const failures: string[] = [];
        let next = 0;
        await Promise.all(Array.from({ length: command.concurrency }, async () => {
          while (next < command.n) {
            next += 1;
            try {
              const answer = await query();
              statuses.push(answer.status);
              serials.add(String(answer.headers['wechatpay-serial']));
            } catch (error) {
              failures.push(`${(error as { code?: string }).code}: ${(error as Error).message}`);
            }
          }
        }));
        return { statuses, serials: [...serials], failures };
      }
      case 'notify': {
        failing = command.fail;
        const before = ran;
        const reply = await handler.handle({ method: 'POST', headers: command.headers, body: Buffer.from(command.body, 'base64') });
        return { status: reply.status, ran: ran - before };
      }
      case 'state':
        return { refreshes, errors };
      case 'exit':
        void close();
        client.certificates.stop();
        setImmediate(() => process.exit(0));
        return {};
    }
  };

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const { id, ...command } = JSON.parse(line) as WorkerCommand & { id: number };
    run(command).then(
      (result) => process.stdout.write(`${JSON.stringify({ id, result })}\n`),
      (error: unknown) => process.stdout.write(`${JSON.stringify({ id, error: String((error as Error)?.stack ?? error) })}\n`),
    );
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
