import { createVerify } from 'node:crypto';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { AlipayFake, alipayAppKeys } from '../fakes/alipay-fake';
import { UnionpayFake } from '../fakes/unionpay-fake';
import { pkcs12Base64, unionpayTestPki } from '../fakes/unionpay-pki';
import { WechatOAuthFake } from '../fakes/wechat-oauth-fake';
import { WechatpayFake, wechatpayMerchantKeys } from '../fakes/wechatpay-fake';
import { createSandboxChannel } from './payments';
import { bearer, createMerchant, startTestApp, TestApp, TestMerchant } from './test-app';

export const MCHID = '1900000109';
export const WX_APPID = 'wxd678efh567hg6787';
export const WX_APP_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const APIV3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
export const ALIPAY_APP_ID = '2021000122600001';
export const UNIONPAY_MER_ID = '777290058110097';
/** The UnionPay channel takes orders up to 1000.00 CNY: above, routing leaves it out. */
export const UNIONPAY_MAX_AMOUNT = 100_000;

/** User agents of the places a payer opens the cashier in. */
export const AGENTS = {
  wechat:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN',
  alipay:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.5.96.6000 Language/zh-Hans',
  unionpay:
    'Mozilla/5.0 (Linux; Android 12; SM-G9910 Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/96.0.4664.104 Mobile Safari/537.36 (com.unionpay.chsp) (UnionPay/1.0 CloudPay)',
  safari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  desktop:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
};

/**
 * The cashier's world: the app with a WeChat Pay channel (JSAPI through a fake OAuth, Native,
 * H5), an Alipay channel (precreate, wap), a UnionPay channel (gateway, QR; up to
 * UNIONPAY_MAX_AMOUNT) and a sandbox channel, each against its fake, and a merchant.
 */
export interface CashierWorld {
  t: TestApp;
  m: TestMerchant;
  wechat: WechatpayFake;
  oauth: WechatOAuthFake;
  alipay: AlipayFake;
  unionpay: UnionpayFake;
  wechatKeys: ReturnType<typeof wechatpayMerchantKeys>;
  close(): Promise<void>;
}

export async function startCashierWorld(env: Record<string, string> = {}): Promise<CashierWorld> {
  const t = await startTestApp({
    RATE_LIMIT_PER_SECOND: '10000',
    PAYER_RATE_LIMIT_PER_MINUTE: '10000',
    // the fakes answer in this process, beside the app, on a shared machine
    CHANNEL_TIMEOUT_MS: '8000',
    ...env,
  });
  const wechatKeys = wechatpayMerchantKeys();
  const wechat = await WechatpayFake.start({
    mchid: MCHID,
    appid: WX_APPID,
    serialNo: wechatKeys.serialNo,
    publicKey: wechatKeys.publicKey,
    apiv3Key: APIV3_KEY,
  });
  const oauth = await WechatOAuthFake.start(WX_APPID, WX_APP_SECRET);
  const alipayKeys = alipayAppKeys();
  const alipay = await AlipayFake.start({
    appId: ALIPAY_APP_ID,
    merchantPublicKey: alipayKeys.publicKey,
  });
  const pki = unionpayTestPki();
  const unionpay = await UnionpayFake.start(pki.signing, {
    merId: UNIONPAY_MER_ID,
    certPem: pki.merchant.pem,
  });
  const admin = bearer(await t.adminToken());
  const add = async (body: Record<string, unknown>) => {
    const res = await t.http.post('/v1/channels').set(admin).send(body);
    if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await add({
    code: 'wx_main',
    name: 'WeChat Pay',
    provider: 'wechatpay',
    priority: 10,
    fee_rate_bps: 60,
    currencies: ['CNY'],
    config: {
      mchid: MCHID,
      appid: WX_APPID,
      serial_no: wechatKeys.serialNo,
      private_key: wechatKeys.privateKeyPem,
      apiv3_key: APIV3_KEY,
      platform_public_key: wechat.publicKeyPem,
      platform_public_key_id: wechat.keyId,
      base_url: wechat.baseUrl,
      app_secret: WX_APP_SECRET,
      oauth_url: oauth.url,
      oauth_api_url: oauth.url,
    },
  });
  await add({
    code: 'ali_main',
    name: 'Alipay',
    provider: 'alipay',
    priority: 10,
    fee_rate_bps: 55,
    currencies: ['CNY'],
    config: {
      app_id: ALIPAY_APP_ID,
      private_key: alipayKeys.privateKeyPem,
      alipay_public_key: alipay.publicKeyPem,
      gateway_url: alipay.gatewayUrl,
    },
  });
  await add({
    code: 'up_main',
    name: 'UnionPay',
    provider: 'unionpay',
    priority: 10,
    fee_rate_bps: 60,
    max_amount: UNIONPAY_MAX_AMOUNT,
    currencies: ['CNY'],
    config: {
      mer_id: UNIONPAY_MER_ID,
      private_key_pfx: pkcs12Base64(pki.merchant, '000000'),
      private_key_password: '000000',
      middle_cert: pki.middle.pem,
      root_cert: pki.root.pem,
      gateway_url: unionpay.url,
      file_url: unionpay.url,
      product: 'gateway',
    },
  });
  await createSandboxChannel(t, { priority: 0 });
  const m = await createMerchant(t);
  return {
    t,
    m,
    wechat,
    oauth,
    alipay,
    unionpay,
    wechatKeys,
    close: async () => {
      await t.close();
      await Promise.all([wechat.close(), oauth.close(), alipay.close(), unionpay.close()]);
    },
  };
}

/** A `channel=cashier` order through the API, as a merchant's server makes it. */
export async function createCashierOrder(
  w: CashierWorld,
  fields: Record<string, unknown> = {},
): Promise<{ order_id: string; pay_url: string; qr_code: string; [key: string]: unknown }> {
  const res = await w.t.http
    .post('/v1/payments/create')
    .set(bearer(w.m.token))
    .send({
      source_id: w.m.sourceId,
      product_id: 'sku-1',
      product_name: '苹果',
      amount: 1250,
      channel: 'cashier',
      ...fields,
    });
  if (res.status !== 201)
    throw new Error(`cashier order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** The path of a URL of the app (`/cashier/…`). */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** What a PNG QR code says, read by jsQR (a decoder independent of the encoder under test). */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  return found?.data ?? null;
}

/** A `data:image/png;base64,…` URL's QR content. */
export function decodeQrDataUrl(dataUrl: string): string | null {
  const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
  return match ? decodeQrPng(Buffer.from(match[1], 'base64')) : null;
}

/** Does paySign verify with the merchant's public key, as WeChat checks it? */
export function paySignVerifies(
  params: Record<string, string>,
  publicKey: ReturnType<typeof wechatpayMerchantKeys>['publicKey'],
): boolean {
  const message = `${params.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
  return createVerify('RSA-SHA256').update(message).verify(publicKey, params.paySign, 'base64');
}
