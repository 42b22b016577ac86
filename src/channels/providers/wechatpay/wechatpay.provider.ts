import { createHash } from 'node:crypto';
import { AppConfig } from '../../../config/app-config';
import { beijingRfc3339 } from '../china-time';
import {
  ChannelContext,
  ConfigValidation,
  CreatePaymentRequest,
  CreatePaymentResult,
  InboundNotification,
  ParsedNotification,
  PaymentProvider,
  PaymentStatusReport,
  ProviderError,
  RefundRequest,
  RefundStatusReport,
  StatementLine,
  WalletProduct,
} from '../payment-provider.port';
import { RegisterProvider } from '../provider-registry';
import { parseWechatpayBill } from './wechatpay-bill';
import { WechatpayClient, WechatpayResponse } from './wechatpay-client';
import {
  validateWechatpayConfig,
  WechatpayCashierProduct,
  wechatpayConfigOf,
  WECHATPAY_CONFIG_FIELDS,
} from './wechatpay-config';
import { outTradeNoOf } from './wechatpay-ids';
import { parseWechatpayNotification } from './wechatpay-notification';
import { refundReport, transactionReport } from './wechatpay-protocol';
import { jsapiPayParams } from './wechatpay-signing';

/** Where each cashier product can be used. */
const WALLET_PRODUCTS: Record<WechatpayCashierProduct, Pick<WalletProduct, 'scenes'>> = {
  jsapi: { scenes: ['in_wallet'] },
  native: { scenes: ['qr'] },
  h5: { scenes: ['mobile_web'] },
};

/** Codes WeChat Pay answers (404) when it has no such order or refund. */
const NOT_FOUND_CODES = new Set(['ORDER_NOT_EXIST', 'ORDERNOTEXIST', 'RESOURCE_NOT_EXISTS']);

/**
 * WeChat Pay API v3, hand-written on node:crypto: Native (QR `code_url`) and H5 (`h5_url`)
 * payments, JSAPI inside WeChat for the cashier (after OAuth to the payer's openid), query by out_trade_no, close, domestic refunds and their query, encrypted
 * notifications and the daily trade bill. Amounts are integer fen on both sides.
 */
@RegisterProvider()
export class WechatpayProvider extends PaymentProvider {
  readonly name = 'wechatpay';
  readonly title = 'WeChat Pay 微信支付';
  readonly configFields = WECHATPAY_CONFIG_FIELDS;
  readonly secretFields = ['private_key', 'apiv3_key', 'app_secret'] as const;

  /** One client per channel config (a new object whenever the channel changes). */
  private readonly clients = new WeakMap<object, WechatpayClient>();
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    super();
    this.timeoutMs = config.env.CHANNEL_TIMEOUT_MS;
  }

  validateConfig(config: unknown): ConfigValidation {
    return validateWechatpayConfig(config);
  }

  async createPayment(
    channel: ChannelContext,
    request: CreatePaymentRequest,
  ): Promise<CreatePaymentResult> {
    if (request.currency !== 'CNY') {
      throw new ProviderError('rejected', 'wechatpay takes CNY only', 'UNSUPPORTED_CURRENCY');
    }
    const config = wechatpayConfigOf(channel.config);
    const { checkout } = request;
    const product = checkout?.product ?? config.product;
    if (checkout && !config.cashier_products.includes(product as WechatpayCashierProduct)) {
      throw new ProviderError('rejected', `wechatpay: ${product} is not a cashier product here`);
    }
    const payload: Record<string, unknown> = {
      appid: config.appid,
      mchid: config.mchid,
      description: [...request.subject].slice(0, 127).join(''),
      out_trade_no: this.outTradeNo(request.orderId),
      time_expire: beijingRfc3339(request.expiresAt),
      notify_url: channel.notifyUrl,
      amount: { total: request.amount, currency: 'CNY' },
    };
    if (product === 'h5') {
      payload.scene_info = {
        payer_client_ip: checkout?.payer.clientIp ?? config.payer_client_ip,
        h5_info: { type: 'Wap' },
      };
    }
    if (product === 'jsapi') {
      if (!checkout?.payer.openid) throw new ProviderError('rejected', 'jsapi needs an openid');
      payload.payer = { openid: checkout.payer.openid };
    }
    const path = `/v3/pay/transactions/${product}`;
    const client = this.client(channel);
    const response = await client.request('POST', path, payload);
    const answer = response.body ?? {};
    if (product === 'jsapi') {
      if (response.status !== 200 || typeof answer.prepay_id !== 'string') {
        throw refused(path, response);
      }
      const walletParams = jsapiPayParams(config.appid, answer.prepay_id, client.signer.privateKey);
      return { channelTradeNo: null, payUrl: null, walletParams };
    }
    const payUrl = product === 'native' ? answer.code_url : answer.h5_url;
    if (response.status !== 200 || typeof payUrl !== 'string') throw refused(path, response);
    if (product === 'h5' && checkout) {
      // H5 支付 sends the payer back to redirect_url once WeChat's pay sheet is done
      return {
        channelTradeNo: null,
        payUrl: `${payUrl}&redirect_url=${encodeURIComponent(checkout.returnUrl)}`,
      };
    }
    return { channelTradeNo: null, payUrl };
  }

  override walletProducts(channel: ChannelContext): WalletProduct[] {
    const config = wechatpayConfigOf(channel.config);
    return config.cashier_products.map((product) => ({
      wallet: 'wechat',
      product,
      ...WALLET_PRODUCTS[product],
      ...(product === 'jsapi' ? { payerId: { kind: 'openid', scope: config.appid } } : {}),
    }));
  }

  /** 网页授权 with snsapi_base: WeChat sends the payer straight back with a code, unasked. */
  override payerAuthorizationUrl(
    channel: ChannelContext,
    redirectUri: string,
    state: string,
  ): string {
    const config = wechatpayConfigOf(channel.config);
    const query = new URLSearchParams({
      appid: config.appid,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
    });
    return `${config.oauth_url}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
  }

  /** The code for the openid (sns/oauth2/access_token); the AppSecret never leaves this call. */
  override async resolvePayer(channel: ChannelContext, code: string): Promise<string> {
    const config = wechatpayConfigOf(channel.config);
    if (!config.app_secret) throw new ProviderError('rejected', 'wechat oauth: no app_secret');
    const query = new URLSearchParams({
      appid: config.appid,
      secret: config.app_secret,
      code,
      grant_type: 'authorization_code',
    });
    let answer: Record<string, unknown>;
    try {
      const response = await fetch(`${config.oauth_api_url}/sns/oauth2/access_token?${query}`, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status >= 500) {
        throw new ProviderError('unavailable', `wechat oauth: HTTP ${response.status}`);
      }
      answer = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      const name = (error as Error).name;
      throw new ProviderError(
        name === 'TimeoutError' ? 'timeout' : 'unavailable',
        'wechat oauth: no usable answer',
      );
    }
    if (typeof answer.openid === 'string' && /^[\w-]{1,128}$/.test(answer.openid)) {
      return answer.openid;
    }
    throw new ProviderError(
      'rejected',
      `wechat oauth: ${String(answer.errmsg ?? 'no openid')}`.slice(0, 200),
      String(answer.errcode ?? 'NO_OPENID'),
    );
  }

  async queryPayment(channel: ChannelContext, orderId: string): Promise<PaymentStatusReport> {
    const config = wechatpayConfigOf(channel.config);
    const path =
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(this.outTradeNo(orderId))}` +
      `?mchid=${encodeURIComponent(config.mchid)}`;
    const response = await this.client(channel).request('GET', path);
    if (isNotFound(response)) return notFound();
    if (response.status !== 200 || !response.body) throw refused(path, response);
    return transactionReport(response.body);
  }

  async closePayment(channel: ChannelContext, orderId: string): Promise<PaymentStatusReport> {
    const config = wechatpayConfigOf(channel.config);
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(this.outTradeNo(orderId))}/close`;
    const response = await this.client(channel).request('POST', path, { mchid: config.mchid });
    if (response.status === 204 || response.status === 200)
      return { ...notFound(), status: 'CLOSED' };
    if (isNotFound(response)) return notFound();
    // refused, most often because the payer paid first: say what the order is now
    const now = await this.queryPayment(channel, orderId);
    if (now.status === 'PENDING' || now.status === 'NOT_FOUND') throw refused(path, response);
    return now;
  }

  async refund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    const path = '/v3/refund/domestic/refunds';
    const response = await this.client(channel).request('POST', path, {
      out_trade_no: this.outTradeNo(request.orderId),
      out_refund_no: request.refundId,
      ...(request.reason ? { reason: [...request.reason].slice(0, 80).join('') } : {}),
      notify_url: channel.notifyUrl,
      amount: { refund: request.amount, total: request.orderAmount, currency: 'CNY' },
    });
    if (response.status !== 200 || !response.body) throw refused(path, response);
    return refundReport(response.body);
  }

  async queryRefund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    const path = `/v3/refund/domestic/refunds/${encodeURIComponent(request.refundId)}`;
    const response = await this.client(channel).request('GET', path);
    if (isNotFound(response)) {
      return { status: 'NOT_FOUND', channelRefundNo: null, amount: null, completedAt: null };
    }
    if (response.status !== 200 || !response.body) throw refused(path, response);
    return refundReport(response.body);
  }

  async parseNotification(
    channel: ChannelContext,
    notification: InboundNotification,
  ): Promise<ParsedNotification> {
    return parseWechatpayNotification(
      this.client(channel),
      wechatpayConfigOf(channel.config),
      notification,
    );
  }

  async fetchStatement(channel: ChannelContext, date: string): Promise<StatementLine[]> {
    const path = `/v3/bill/tradebill?bill_date=${encodeURIComponent(date)}&bill_type=ALL`;
    const client = this.client(channel);
    const response = await client.request('GET', path);
    // WeChat Pay keeps no bill for a day without successful trades; STATEMENT_CREATING (not
    // ready yet) and the rest stay refusals
    if (response.body?.code === 'NO_STATEMENT_EXIST') return [];
    const { download_url: url, hash_type: hashType, hash_value: hashValue } = response.body ?? {};
    if (response.status !== 200 || typeof url !== 'string')
      throw refused('/v3/bill/tradebill', response);
    const file = await client.download(url);
    if (hashType === 'SHA1' && typeof hashValue === 'string') {
      const actual = createHash('sha1').update(file).digest('hex');
      if (actual !== hashValue.toLowerCase()) {
        throw new ProviderError('unavailable', 'wechatpay bill: the file does not match its SHA1');
      }
    }
    try {
      return parseWechatpayBill(file.toString('utf8'));
    } catch (error) {
      throw new ProviderError('unavailable', `wechatpay bill: ${(error as Error).message}`);
    }
  }

  private client(channel: ChannelContext): WechatpayClient {
    let client = this.clients.get(channel.config);
    if (!client) {
      client = new WechatpayClient(wechatpayConfigOf(channel.config), this.timeoutMs);
      this.clients.set(channel.config, client);
    }
    return client;
  }

  private outTradeNo(orderId: string): string {
    try {
      return outTradeNoOf(orderId);
    } catch (error) {
      throw new ProviderError('rejected', (error as Error).message, 'OUT_TRADE_NO_TOO_LONG');
    }
  }
}

function isNotFound(response: WechatpayResponse): boolean {
  return response.status === 404 || NOT_FOUND_CODES.has(String(response.body?.code));
}

/** A 4xx answer: WeChat Pay refused this request (bad parameters, state), not a channel fault. */
function refused(path: string, response: WechatpayResponse): ProviderError {
  const code =
    typeof response.body?.code === 'string' ? response.body.code : `HTTP_${response.status}`;
  const message = typeof response.body?.message === 'string' ? response.body.message : 'refused';
  return new ProviderError('rejected', `wechatpay ${path.split('?')[0]}: ${message}`, code);
}

function notFound(): PaymentStatusReport {
  return { status: 'NOT_FOUND', channelTradeNo: null, amount: null, currency: null, paidAt: null };
}
