import { ConfigValidation } from '../payment-provider.port';
import { checkConfig, configFields, isBaseUrl, knownKeys } from '../provider-config';
import { credentialFromPem, parseCertificate, readPkcs12 } from './unionpay-certs';

export const UNIONPAY_PRODUCTION_GATEWAY = 'https://gateway.95516.com';
export const UNIONPAY_PRODUCTION_FILE_URL = 'https://filedownload.95516.com';
/** The provider's test environment (入网测试环境). */
export const UNIONPAY_TEST_GATEWAY = 'https://gateway.test.95516.com';
export const UNIONPAY_TEST_FILE_URL = 'https://filedownload.test.95516.com';

/** gateway: 网关支付 (PC and mobile web, a form the payer's browser posts); qr: 二维码支付 (payer scans). */
export const UNIONPAY_PRODUCTS = ['gateway', 'qr'] as const;
export type UnionpayProduct = (typeof UNIONPAY_PRODUCTS)[number];

/** channelType: 07 internet (PC), 08 mobile; `auto` picks by the payer's browser. */
export const UNIONPAY_CHANNEL_TYPES = ['auto', '07', '08'] as const;
export type UnionpayChannelType = (typeof UNIONPAY_CHANNEL_TYPES)[number];

/**
 * A UnionPay channel's settings as stored: a PKCS#12 file given at configuration is read once
 * into `private_key` and `sign_cert`, and neither the file nor its password is kept.
 */
export interface UnionpayConfig {
  mer_id: string;
  /** The merchant signing key (PKCS#8 PEM). Secret. */
  private_key: string;
  /** The merchant signing certificate (PEM); its serial is the certId. */
  sign_cert: string;
  /** UnionPay's middle (intermediate) and root certificates, which sign its signing certificates. */
  middle_cert: string;
  root_cert: string;
  gateway_url: string;
  file_url: string;
  product: UnionpayProduct;
  channel_type: UnionpayChannelType;
  /** Refuse UnionPay signing certificates without UnionPay's CN (off only for the test environment). */
  validate_cn: boolean;
  /**
   * What the hosted cashier may use: gateway (inside 云闪付 and in phone browsers) and qr (a
   * code on another screen). Default: both.
   */
  cashier_products: UnionpayProduct[];
}

export const UNIONPAY_CONFIG_FIELDS = configFields([
  {
    key: 'mer_id',
    kind: 'text',
    required: true,
    description: 'The 15-character merchant code (商户号).',
  },
  {
    key: 'private_key',
    kind: 'pem',
    secret: true,
    description: 'The signing key (PEM), with sign_cert; or give private_key_pfx instead.',
  },
  { key: 'sign_cert', kind: 'pem', description: 'The signing certificate (PEM) of private_key.' },
  {
    key: 'private_key_pfx',
    kind: 'pem',
    secret: true,
    description: 'The PKCS#12 (.pfx) file as base64, read once into private_key and sign_cert.',
  },
  {
    key: 'private_key_password',
    kind: 'secret',
    secret: true,
    description: 'The password of private_key_pfx; not kept.',
  },
  {
    key: 'middle_cert',
    kind: 'pem',
    required: true,
    description: "UnionPay's middle certificate (acp_prod_middle.cer), PEM.",
  },
  {
    key: 'root_cert',
    kind: 'pem',
    required: true,
    description: "UnionPay's root certificate (acp_prod_root.cer), PEM.",
  },
  {
    key: 'gateway_url',
    kind: 'text',
    description: `The gateway host; default ${UNIONPAY_PRODUCTION_GATEWAY}.`,
  },
  {
    key: 'file_url',
    kind: 'text',
    description: `The statement file host; default ${UNIONPAY_PRODUCTION_FILE_URL}.`,
  },
  {
    key: 'product',
    kind: 'select',
    required: true,
    options: UNIONPAY_PRODUCTS,
    description: 'gateway: 网关支付; qr: 二维码支付.',
  },
  {
    key: 'channel_type',
    kind: 'select',
    options: UNIONPAY_CHANNEL_TYPES,
    description: '07 internet (PC), 08 mobile, auto by the payer’s browser (default).',
  },
  {
    key: 'validate_cn',
    kind: 'boolean',
    description:
      "Refuse signing certificates without UnionPay's CN (default true; off only for tests).",
  },
  {
    key: 'cashier_products',
    kind: 'select',
    multiple: true,
    options: UNIONPAY_PRODUCTS,
    description: 'What the hosted cashier may use; default both.',
  },
]);
const KNOWN = knownKeys(UNIONPAY_CONFIG_FIELDS);

/** Checks a UnionPay `config`, reads a PKCS#12 file, and fills the defaults. */
export function validateUnionpayConfig(input: unknown): ConfigValidation {
  const check = checkConfig(input, KNOWN, 'UnionPay');
  if (!('source' in check)) return check;
  const { source, errors, fail } = check;
  if (typeof source.mer_id !== 'string' || !/^[0-9A-Za-z]{15}$/.test(source.mer_id)) {
    fail('mer_id', 'must be the 15-character merchant code (商户号)');
  }

  let privateKeyPem: string | undefined;
  let certificatePem: string | undefined;
  if (source.private_key_pfx !== undefined) {
    if (source.private_key !== undefined || source.sign_cert !== undefined) {
      fail(
        'private_key_pfx',
        'give either private_key_pfx or private_key with sign_cert, not both',
      );
    } else if (typeof source.private_key_pfx !== 'string') {
      fail('private_key_pfx', 'must be the PKCS#12 (.pfx) file as base64');
    } else if (typeof source.private_key_password !== 'string') {
      fail('private_key_password', 'is required with private_key_pfx');
    } else {
      const read = readPkcs12(source.private_key_pfx, source.private_key_password);
      if ('error' in read) fail('private_key_pfx', `${read.error}`);
      else ({ privateKeyPem, certificatePem } = read);
    }
  } else {
    if (source.private_key_password !== undefined) {
      fail('private_key_password', 'goes only with private_key_pfx');
    }
    if (typeof source.private_key !== 'string' || typeof source.sign_cert !== 'string') {
      fail(
        'private_key',
        'give the signing key and certificate: private_key with sign_cert, or private_key_pfx',
      );
    } else if (!credentialFromPem(source.private_key, source.sign_cert)) {
      fail(
        'sign_cert',
        'must be an X.509 certificate (PEM) of private_key, an RSA key of at least 2048 bits',
      );
    } else {
      privateKeyPem = source.private_key.trim();
      certificatePem = source.sign_cert.trim();
    }
  }
  for (const field of ['middle_cert', 'root_cert'] as const) {
    if (!parseCertificate(source[field])) {
      fail(
        field,
        "must be UnionPay's certificate in PEM (acp_prod_middle.cer / acp_prod_root.cer)",
      );
    }
  }
  const gateway = source.gateway_url ?? UNIONPAY_PRODUCTION_GATEWAY;
  if (!isBaseUrl(gateway)) fail('gateway_url', 'must be an http(s) URL without a path or query');
  const fileUrl = source.file_url ?? UNIONPAY_PRODUCTION_FILE_URL;
  if (!isBaseUrl(fileUrl)) fail('file_url', 'must be an http(s) URL without a path or query');
  const product = source.product;
  if (!UNIONPAY_PRODUCTS.includes(product as UnionpayProduct)) {
    fail('product', `is required: one of ${UNIONPAY_PRODUCTS.join(', ')}`);
  }
  const channelType = source.channel_type ?? 'auto';
  if (!UNIONPAY_CHANNEL_TYPES.includes(channelType as UnionpayChannelType)) {
    fail('channel_type', `must be one of ${UNIONPAY_CHANNEL_TYPES.join(', ')}`);
  }
  const validateCn = source.validate_cn ?? true;
  if (typeof validateCn !== 'boolean') fail('validate_cn', 'must be true or false');
  const cashierProducts = source.cashier_products ?? [...UNIONPAY_PRODUCTS];
  if (
    !Array.isArray(cashierProducts) ||
    cashierProducts.some((p) => !UNIONPAY_PRODUCTS.includes(p as UnionpayProduct)) ||
    new Set(cashierProducts).size !== cashierProducts.length
  ) {
    fail('cashier_products', `must list some of ${UNIONPAY_PRODUCTS.join(', ')}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  const config: UnionpayConfig = {
    mer_id: source.mer_id as string,
    private_key: privateKeyPem!,
    sign_cert: certificatePem!,
    middle_cert: (source.middle_cert as string).trim(),
    root_cert: (source.root_cert as string).trim(),
    gateway_url: (gateway as string).replace(/\/+$/, ''),
    file_url: (fileUrl as string).replace(/\/+$/, ''),
    product: product as UnionpayProduct,
    channel_type: channelType as UnionpayChannelType,
    validate_cn: validateCn as boolean,
    cashier_products: cashierProducts as UnionpayProduct[],
  };
  return { ok: true, config: { ...config } };
}

/**
 * The config of a UnionPay channel context (validated when the channel was written). A channel
 * written before the cashier settings existed gets their default.
 */
export function unionpayConfigOf(config: Record<string, unknown>): UnionpayConfig {
  if (config.cashier_products === undefined) config.cashier_products = [...UNIONPAY_PRODUCTS];
  return config as unknown as UnionpayConfig;
}
