import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayClient } from './alipay-client';
import { AlipayConfig } from './alipay-config';
import { parseAlipayNotification } from './alipay-notification';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = {
  appPrivate: app.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  appPublic: app.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  alipayPublic: alipay.publicKey.export({ type: 'spki', format: 'pem' }) as string,
};

const config: AlipayConfig = {
  app_id: '2021000000000001',
  private_key: pem.appPrivate,
  alipay_public_key: pem.alipayPublic,
  gateway_url: 'http://127.0.0.1:9/gateway.do',
  product: 'precreate',
  cashier_products: ['precreate', 'wap'],
};

describe('Alipay RSA2 signing', () => {
  it("signs the canonical string of Alipay's published example (自行实现签名)", () => {
    // The request and its 待签名字符串 from Alipay's signing guide, "自行实现签名"
    // (https://opendocs.alipay.com/common/02kf5q, reproduced at
    // https://git.aopcloud.com/k/SOP/raw/commit/ae157e97a0f19c268bd350a796bb07989d60f569/sop-website/website-front/pages/doc/sign.html).
    const bizContent =
      '{"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"},' +
      '{"name":"查询","subButton":[{"actionParam":"ZFB_YECX","actionType":"out","name":"余额查询"},' +
      '{"actionParam":"ZFB_LLCX","actionType":"out","name":"流量查询"},' +
      '{"actionParam":"ZFB_HFCX","actionType":"out","name":"话费查询"}]},' +
      '{"actionParam":"http://m.alipay.com","actionType":"link","name":"最新优惠"}]}';
    const published =
      `app_id=2014072300007148&biz_content=${bizContent}&charset=GBK` +
      '&method=alipay.mobile.public.menu.add&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0';
    const sdk = new AlipaySdk({
      appId: '2014072300007148',
      privateKey: pem.appPrivate,
      alipayPublicKey: pem.alipayPublic,
    });
    const query = sdk.sdkExecute(
      'alipay.mobile.public.menu.add',
      { charset: 'GBK', timestamp: '2014-07-24 03:07:50', bizContent: JSON.parse(bizContent) },
      { bizContentAutoSnakeCase: false },
    );
    const sign = new URLSearchParams(query).get('sign') as string;
    expect(
      createVerify('RSA-SHA256').update(published, 'utf8').verify(pem.appPublic, sign, 'base64'),
    ).toBe(true);
  });

  it('builds page links that carry the notify_url and a signature over every other parameter', () => {
    const client = new AlipayClient({ ...config, product: 'page' }, 1000);
    const url = new URL(
      client.pageUrl(
        'alipay.trade.page.pay',
        { out_trade_no: 'ord_1', total_amount: '10.00', subject: 'apple' },
        { notify_url: 'https://pay.example.com/v1/notify/ali' },
      ),
    );
    const params = Object.fromEntries(url.searchParams);
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:9/gateway.do');
    expect(params).toMatchObject({
      app_id: config.app_id,
      method: 'alipay.trade.page.pay',
      sign_type: 'RSA2',
      charset: 'utf-8',
      version: '1.0',
      notify_url: 'https://pay.example.com/v1/notify/ali',
    });
    expect(JSON.parse(params.biz_content)).toEqual({
      out_trade_no: 'ord_1',
      total_amount: '10.00',
      subject: 'apple',
    });
    // the request timestamp is Beijing time, whatever the server's zone
    const beijingNow = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 16);
    expect(params.timestamp.replace(' ', 'T').slice(0, 16)).toBe(beijingNow);
    const { sign, ...rest } = params;
    const content = Object.keys(rest)
      .sort()
      .map((k) => `${k}=${rest[k]}`)
      .join('&');
    expect(createVerify('RSA-SHA256').update(content).verify(pem.appPublic, sign, 'base64')).toBe(
      true,
    );
  });
});

describe('Alipay notifications', () => {
  const client = new AlipayClient(config, 1000);

  /** Signed as Alipay signs notifications: sorted pairs without sign and sign_type. */
  function notification(fields: Record<string, string>, signer = alipay.privateKey) {
    const params: Record<string, string> = {
      notify_time: '2024-05-01 12:00:05',
      notify_type: 'trade_status_sync',
      notify_id: 'ac05099524730693a8b330c5ecf72da9786',
      app_id: config.app_id,
      charset: 'utf-8',
      version: '1.0',
      trade_no: '2024050122001400000000000001',
      out_trade_no: 'ord_0001',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '10.01',
      gmt_payment: '2024-05-01 12:00:03',
      subject: '苹果 & 梨 = 100%',
      ...fields,
    };
    const content = Object.keys(params)
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(signer, 'base64');
    return new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString();
  }

  const parse = (rawBody: string, cfg = config) =>
    parseAlipayNotification(client, cfg, {
      headers: {},
      rawBody,
      contentType: 'application/x-www-form-urlencoded',
    });

  it('verifies and reads a payment: yuan to fen exactly, Beijing time, reply "success"', () => {
    const parsed = parse(notification({}));
    expect(parsed.event).toEqual({
      kind: 'payment',
      orderId: 'ord_0001',
      status: 'SUCCEEDED',
      channelTradeNo: '2024050122001400000000000001',
      amount: 1001,
      currency: 'CNY',
      occurredAt: Date.parse('2024-05-01T04:00:03Z'),
    });
    expect(parsed.reply).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
  });

  it.each([
    ['WAIT_BUYER_PAY', 'PENDING'],
    ['TRADE_FINISHED', 'SUCCEEDED'],
    ['TRADE_CLOSED', 'CLOSED'],
  ])('maps trade_status %s to %s', (tradeStatus, status) => {
    expect(parse(notification({ trade_status: tradeStatus })).event).toMatchObject({ status });
  });

  it('reads a refund notification (out_biz_no, gmt_refund) as the refund it names', () => {
    const parsed = parse(
      notification({
        out_biz_no: 'ref_0001',
        refund_fee: '3.00',
        gmt_refund: '2024-05-02 09:30:00.123',
        trade_status: 'TRADE_SUCCESS',
      }),
    );
    // refund_fee is the trade's refunded total, not this refund's amount
    expect(parsed.event).toEqual({
      kind: 'refund',
      refundId: 'ref_0001',
      orderId: 'ord_0001',
      status: 'SUCCEEDED',
      channelRefundNo: null,
      amount: null,
      occurredAt: Date.parse('2024-05-02T01:30:00.123Z'),
    });
  });

  it('refuses a tampered body, another key, another app_id, another seller and no signature', () => {
    const good = notification({});
    expect(() => parse(good.replace('total_amount=10.01', 'total_amount=0.01'))).toThrow(
      'signature does not verify',
    );
    expect(() => parse(notification({}, app.privateKey))).toThrow('signature does not verify');
    expect(() => parse(notification({ app_id: '2021000000000002' }))).toThrow('another app_id');
    expect(() => parse(good, { ...config, seller_id: '2088000000000001' })).toThrow(
      'another seller_id',
    );
    expect(() => parse(good.replace(/&sign=[^&]*/, ''))).toThrow('not signed');
    expect(() => parse(`${good}&app_id=${config.app_id}`)).toThrow('repeats app_id');
  });

  it('refuses an amount with more than two decimals rather than rounding it', () => {
    expect(() => parse(notification({ total_amount: '10.001' }))).toThrow('total_amount');
  });
});
