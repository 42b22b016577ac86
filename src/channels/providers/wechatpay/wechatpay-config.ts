import { isIP } from 'node:net';
import { ConfigValidation } from '../payment-provider.port';
import { checkConfig, configFields, isBaseUrl, knownKeys } from '../provider-config';
import { parseRsaPrivateKey, parseRsaPublicKey } from '../rsa-keys';

export const WECHATPAY_BASE_URL = 'https://api.mch.weixin.qq.com';
/** WeChat's web OAuth (网页授权): the page the payer's browser is sent to, and its API. */
export const WECHAT_OAUTH_URL = 'https://open.weixin.qq.com';
export const WECHAT_OAUTH_API_URL = 'https://api.weixin.qq.com';

/** native: Native 支付 (QR code_url); h5: H5 支付 (h5_url). JSAPI needs the payer's openid. */
export const WECHATPAY_PRODUCTS = ['native', 'h5'] as const;
export type WechatpayProduct = (typeof WECHATPAY_PRODUCTS)[number];

/**
 * What the hosted cashier may use on this account: native (a QR on another screen), h5 (a
 * phone browser outside WeChat) and jsapi (inside WeChat, after OAuth; needs `app_secret`).
 */
export const WECHATPAY_CASHIER_PRODUCTS = ['native', 'h5', 'jsapi'] as const;
export type WechatpayCashierProduct = (typeof WECHATPAY_CASHIER_PRODUCTS)[number];

/** A WeChat Pay channel's settings, as stored (private_key and apiv3_key decrypted in a context). */
export interface WechatpayConfig {
  mchid: string;
  appid: string;
  /** Serial number of the merchant API certificate whose private key signs requests. */
  serial_no: string;
  private_key: string;
  /** The APIv3 key: 32 bytes, decrypts notifications. */
  apiv3_key: string;
  /** WeChat Pay's public key (or its platform certificate), which signs responses and notifications. */
  platform_public_key: string;
  /** The `Wechatpay-Serial` that key signs with (PUB_KEY_ID_… or the certificate serial). */
  platform_public_key_id: string;
  base_url: string;
  product: WechatpayProduct;
  /** H5 only: the payer IP WeChat is told (the order API carries none); see docs/providers.md. */
  payer_client_ip?: string;
  /** The AppSecret of `appid` (公众号), for the cashier's OAuth to the payer's openid. */
  app_secret?: string;
  /** WeChat's OAuth page and API hosts (tests point them at a fake). */
  oauth_url: string;
  oauth_api_url: string;
  /** The products the cashier may use; see WECHATPAY_CASHIER_PRODUCTS. */
  cashier_products: WechatpayCashierProduct[];
}

export const WECHATPAY_CONFIG_FIELDS = configFields([
  { key: 'mchid', kind: 'text', required: true, description: 'The merchant id (商户号), digits.' },
  {
    key: 'appid',
    kind: 'text',
    required: true,
    description: 'The AppID bound to the merchant (wx…).',
  },
  {
    key: 'serial_no',
    kind: 'text',
    required: true,
    description: 'Serial number of the merchant API certificate (hex).',
  },
  {
    key: 'private_key',
    kind: 'pem',
    required: true,
    secret: true,
    description: 'The merchant API private key (apiclient_key.pem), RSA 2048 or more.',
  },
  {
    key: 'apiv3_key',
    kind: 'secret',
    required: true,
    secret: true,
    description: 'The APIv3 key: exactly 32 bytes.',
  },
  {
    key: 'platform_public_key',
    kind: 'pem',
    required: true,
    description: 'The WeChat Pay public key or platform certificate (PEM).',
  },
  {
    key: 'platform_public_key_id',
    kind: 'text',
    required: true,
    description: 'The id that key signs with (PUB_KEY_ID_… or the certificate serial).',
  },
  { key: 'base_url', kind: 'text', description: `The API host; default ${WECHATPAY_BASE_URL}.` },
  {
    key: 'product',
    kind: 'select',
    options: WECHATPAY_PRODUCTS,
    description: 'native: Native 支付 QR code (default); h5: H5 支付.',
  },
  {
    key: 'payer_client_ip',
    kind: 'text',
    description: 'The payer IP WeChat is told; required for h5.',
  },
  {
    key: 'app_secret',
    kind: 'secret',
    secret: true,
    description: 'The AppSecret of appid, for the cashier’s OAuth (needed for jsapi).',
  },
  {
    key: 'oauth_url',
    kind: 'text',
    description: `WeChat's OAuth page host; default ${WECHAT_OAUTH_URL}.`,
  },
  {
    key: 'oauth_api_url',
    kind: 'text',
    description: `WeChat's OAuth API host; default ${WECHAT_OAUTH_API_URL}.`,
  },
  {
    key: 'cashier_products',
    kind: 'select',
    multiple: true,
    options: WECHATPAY_CASHIER_PRODUCTS,
    description:
      'What the hosted cashier may use; default native and h5, and jsapi with app_secret.',
  },
]);
const KNOWN = knownKeys(WECHATPAY_CONFIG_FIELDS);

/** Checks a WeChat Pay `config` and fills the defaults (base_url, product). */
export function validateWechatpayConfig(input: unknown): ConfigValidation {
  const check = checkConfig(input, KNOWN, 'WeChat Pay');
  if (!('source' in check)) return check;
  const { source, errors, fail } = check;
  if (!matches(source.mchid, /^\d{1,32}$/)) fail('mchid', 'must be the merchant id (digits)');
  if (!matches(source.appid, /^[A-Za-z0-9_]{1,32}$/)) fail('appid', 'must be the AppID (wx…)');
  if (!matches(source.serial_no, /^[0-9A-Fa-f]{8,64}$/)) {
    fail('serial_no', 'must be the merchant API certificate serial number (hex)');
  }
  if (!parseRsaPrivateKey(source.private_key)) {
    fail('private_key', 'must be the merchant API private key (apiclient_key.pem), RSA 2048+');
  }
  if (typeof source.apiv3_key !== 'string' || Buffer.byteLength(source.apiv3_key) !== 32) {
    fail('apiv3_key', 'must be the APIv3 key: exactly 32 bytes');
  }
  if (!parseRsaPublicKey(source.platform_public_key)) {
    fail('platform_public_key', 'must be the WeChat Pay public key or platform certificate (PEM)');
  }
  if (!matches(source.platform_public_key_id, /^[A-Za-z0-9_]{1,64}$/)) {
    fail('platform_public_key_id', 'must be the id that key signs with (PUB_KEY_ID_… or serial)');
  }
  const baseUrl = source.base_url ?? WECHATPAY_BASE_URL;
  if (!isBaseUrl(baseUrl)) fail('base_url', 'must be an http(s) URL without a path');
  const product = source.product ?? 'native';
  if (product === 'jsapi') {
    fail('product', 'jsapi needs the payer openid, which orders do not carry: use native or h5');
  } else if (!WECHATPAY_PRODUCTS.includes(product as WechatpayProduct)) {
    fail('product', `must be one of ${WECHATPAY_PRODUCTS.join(', ')}`);
  }
  const ip = source.payer_client_ip;
  if (ip !== undefined && (typeof ip !== 'string' || isIP(ip) === 0)) {
    fail('payer_client_ip', 'must be an IPv4 or IPv6 address');
  }
  if (product === 'h5' && ip === undefined) {
    fail('payer_client_ip', 'is required for h5 (WeChat asks for the payer IP)');
  }
  const appSecret = source.app_secret;
  if (appSecret !== undefined && !matches(appSecret, /^[A-Za-z0-9]{16,64}$/)) {
    fail('app_secret', 'must be the AppSecret of appid (letters and digits)');
  }
  const oauthUrl = source.oauth_url ?? WECHAT_OAUTH_URL;
  if (!isBaseUrl(oauthUrl)) fail('oauth_url', 'must be an http(s) URL without a path');
  const oauthApiUrl = source.oauth_api_url ?? WECHAT_OAUTH_API_URL;
  if (!isBaseUrl(oauthApiUrl)) fail('oauth_api_url', 'must be an http(s) URL without a path');
  const cashierProducts =
    source.cashier_products ??
    WECHATPAY_CASHIER_PRODUCTS.filter((p) => p !== 'jsapi' || appSecret !== undefined);
  if (
    !Array.isArray(cashierProducts) ||
    cashierProducts.some(
      (p) => !WECHATPAY_CASHIER_PRODUCTS.includes(p as WechatpayCashierProduct),
    ) ||
    new Set(cashierProducts).size !== cashierProducts.length
  ) {
    fail('cashier_products', `must list some of ${WECHATPAY_CASHIER_PRODUCTS.join(', ')}`);
  } else if (cashierProducts.includes('jsapi') && appSecret === undefined) {
    fail('app_secret', 'is required for the cashier product jsapi (OAuth to the openid)');
  }
  if (errors.length > 0) return { ok: false, errors };
  const config: WechatpayConfig = {
    mchid: source.mchid as string,
    appid: source.appid as string,
    serial_no: (source.serial_no as string).toUpperCase(),
    private_key: (source.private_key as string).trim(),
    apiv3_key: source.apiv3_key as string,
    platform_public_key: (source.platform_public_key as string).trim(),
    platform_public_key_id: source.platform_public_key_id as string,
    base_url: (baseUrl as string).replace(/\/+$/, ''),
    product: product as WechatpayProduct,
    ...(ip === undefined ? {} : { payer_client_ip: ip as string }),
    ...(appSecret === undefined ? {} : { app_secret: appSecret as string }),
    oauth_url: (oauthUrl as string).replace(/\/+$/, ''),
    oauth_api_url: (oauthApiUrl as string).replace(/\/+$/, ''),
    cashier_products: cashierProducts as WechatpayCashierProduct[],
  };
  return { ok: true, config: { ...config } };
}

/**
 * The config of a WeChat Pay channel context (validated when the channel was written). A
 * channel written before the cashier settings existed gets their defaults.
 */
export function wechatpayConfigOf(config: Record<string, unknown>): WechatpayConfig {
  const stored = config as unknown as WechatpayConfig;
  if (stored.cashier_products !== undefined) return stored;
  return Object.assign(config, {
    oauth_url: WECHAT_OAUTH_URL,
    oauth_api_url: WECHAT_OAUTH_API_URL,
    cashier_products: WECHATPAY_CASHIER_PRODUCTS.filter(
      (p) => p !== 'jsapi' || stored.app_secret !== undefined,
    ),
  }) as unknown as WechatpayConfig;
}

function matches(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value);
}
