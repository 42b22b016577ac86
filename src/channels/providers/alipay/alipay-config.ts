import { ConfigValidation } from '../payment-provider.port';
import { checkConfig, configFields, isHttpUrl, knownKeys } from '../provider-config';
import { parseRsaPrivateKey, parseRsaPublicKey } from '../rsa-keys';

export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';
export const ALIPAY_SANDBOX_GATEWAY = 'https://openapi-sandbox.dl.alipaydev.com/gateway.do';

/** precreate: 当面付 QR code; page: 电脑网站支付; wap: 手机网站支付. */
export const ALIPAY_PRODUCTS = ['precreate', 'page', 'wap'] as const;
export type AlipayProduct = (typeof ALIPAY_PRODUCTS)[number];

/** What the hosted cashier may use: precreate (a QR on another screen) and wap (in Alipay, or a phone browser). */
export const ALIPAY_CASHIER_PRODUCTS = ['precreate', 'wap'] as const;
export type AlipayCashierProduct = (typeof ALIPAY_CASHIER_PRODUCTS)[number];

/** An Alipay channel's settings, as stored (private_key decrypted in a ChannelContext). */
export interface AlipayConfig {
  app_id: string;
  /** The application's private key (PKCS#1 or PKCS#8 PEM, or Alipay's bare base64). */
  private_key: string;
  /** Alipay's public key for this application (not the application's own public key). */
  alipay_public_key: string;
  gateway_url: string;
  product: AlipayProduct;
  /** The seller's partner id (2088…); when set, notifications for another seller are refused. */
  seller_id?: string;
  /** The products the cashier may use; see ALIPAY_CASHIER_PRODUCTS. */
  cashier_products: AlipayCashierProduct[];
}

export const ALIPAY_CONFIG_FIELDS = configFields([
  {
    key: 'app_id',
    kind: 'text',
    required: true,
    description: 'The application id (APPID), digits.',
  },
  {
    key: 'private_key',
    kind: 'pem',
    required: true,
    secret: true,
    description: "The application's RSA private key (PKCS#1 or PKCS#8 PEM), 2048 bits or more.",
  },
  {
    key: 'alipay_public_key',
    kind: 'pem',
    required: true,
    description: "Alipay's public key for this application (not the application's own).",
  },
  {
    key: 'gateway_url',
    kind: 'text',
    description: `The gateway; default ${ALIPAY_PRODUCTION_GATEWAY}.`,
  },
  {
    key: 'product',
    kind: 'select',
    options: ALIPAY_PRODUCTS,
    description: 'precreate: 当面付 QR code (default); page: 电脑网站支付; wap: 手机网站支付.',
  },
  {
    key: 'seller_id',
    kind: 'text',
    description: "The seller's 16-digit partner id (2088…); notifications for another are refused.",
  },
  {
    key: 'cashier_products',
    kind: 'select',
    multiple: true,
    options: ALIPAY_CASHIER_PRODUCTS,
    description: 'What the hosted cashier may use; default both.',
  },
]);
const KNOWN = knownKeys(ALIPAY_CONFIG_FIELDS);

/** Checks an Alipay `config` and fills the defaults (gateway_url, product). */
export function validateAlipayConfig(input: unknown): ConfigValidation {
  const check = checkConfig(input, KNOWN, 'Alipay');
  if (!('source' in check)) return check;
  const { source, errors } = check;
  const appId = source.app_id;
  if (typeof appId !== 'string' || !/^\d{1,32}$/.test(appId)) {
    errors.push({ field: 'config.app_id', message: 'must be the application id (digits)' });
  }
  if (!parseRsaPrivateKey(source.private_key)) {
    errors.push({
      field: 'config.private_key',
      message: 'must be an RSA private key of at least 2048 bits (PKCS#1 or PKCS#8 PEM)',
    });
  }
  if (!parseRsaPublicKey(source.alipay_public_key)) {
    errors.push({
      field: 'config.alipay_public_key',
      message: "must be Alipay's RSA public key (PEM or base64), at least 2048 bits",
    });
  }
  const gateway = source.gateway_url ?? ALIPAY_PRODUCTION_GATEWAY;
  if (!isHttpUrl(gateway)) {
    errors.push({ field: 'config.gateway_url', message: 'must be an http(s) URL' });
  }
  const product = source.product ?? 'precreate';
  if (!ALIPAY_PRODUCTS.includes(product as AlipayProduct)) {
    errors.push({
      field: 'config.product',
      message: `must be one of ${ALIPAY_PRODUCTS.join(', ')}`,
    });
  }
  const sellerId = source.seller_id;
  if (sellerId !== undefined && (typeof sellerId !== 'string' || !/^\d{16}$/.test(sellerId))) {
    errors.push({ field: 'config.seller_id', message: 'must be the 16-digit partner id (2088…)' });
  }
  const cashierProducts = source.cashier_products ?? [...ALIPAY_CASHIER_PRODUCTS];
  if (
    !Array.isArray(cashierProducts) ||
    cashierProducts.some((p) => !ALIPAY_CASHIER_PRODUCTS.includes(p as AlipayCashierProduct)) ||
    new Set(cashierProducts).size !== cashierProducts.length
  ) {
    errors.push({
      field: 'config.cashier_products',
      message: `must list some of ${ALIPAY_CASHIER_PRODUCTS.join(', ')}`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const config: AlipayConfig = {
    app_id: appId as string,
    private_key: (source.private_key as string).trim(),
    alipay_public_key: (source.alipay_public_key as string).trim(),
    gateway_url: gateway as string,
    product: product as AlipayProduct,
    ...(sellerId === undefined ? {} : { seller_id: sellerId as string }),
    cashier_products: cashierProducts as AlipayCashierProduct[],
  };
  return { ok: true, config: { ...config } };
}

/**
 * The config of an Alipay channel context (validated when the channel was written). A channel
 * written before the cashier settings existed gets their defaults.
 */
export function alipayConfigOf(config: Record<string, unknown>): AlipayConfig {
  if (config.cashier_products === undefined) {
    config.cashier_products = [...ALIPAY_CASHIER_PRODUCTS];
  }
  return config as unknown as AlipayConfig;
}
