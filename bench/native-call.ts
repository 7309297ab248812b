/**
 * The call bench/profile-client.ts and bench/client-c64-ab.ts make over loopback HTTP against bench/throughput.ts's
 * server (POST v3/pay/transactions/native), and the identities that server knows.
 */
export const MCHID = '1230000109';
export const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
export const PLATFORM_SERIAL = '7132D72A03E93CDDF8C03BBD1F37EEDF843826FA';

/** One native order through a client of any build, each with its own `out_trade_no` (`tag`, the pid, a count). */
export function nativeOrder(client: any, tag: string): () => Promise<void> {
  let sequence = 0;
  return async () => {
    sequence += 1;
    const { data } = await client.v3.pay.transactions.native.post({
      json: {
        appid: 'wxd678efh567hg6787', mchid: MCHID, description: 'Image形象店-深圳腾大-QQ公仔', out_trade_no: `${tag}${process.pid}${sequence}`.slice(0, 32),
        notify_url: 'https://www.weixin.qq.com/wxpay/pay.php', amount: { total: 100, currency: 'CNY' },
      },
    });
    if (typeof (data as { code_url?: unknown }).code_url !== 'string') throw new Error('unexpected answer');
  };
}
