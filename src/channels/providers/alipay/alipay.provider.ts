import { fromMajorUnits, toMajorUnits } from '../../../common/money/money';
import { AppConfig } from '../../../config/app-config';
import { beijingTime, parseBeijingTime } from '../china-time';
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
import { parseAlipayBillZip } from './alipay-bill';
import { AlipayClient, AlipayResult } from './alipay-client';
import {
  AlipayCashierProduct,
  alipayConfigOf,
  validateAlipayConfig,
  ALIPAY_CONFIG_FIELDS,
} from './alipay-config';
import { parseAlipayNotification } from './alipay-notification';
import { tradeStatus } from './alipay-protocol';

/** The largest bill file read (a zip of a day's CSV): far above any single channel's day. */
const MAX_BILL_BYTES = 64 * 1024 * 1024;

const PAGE_METHODS = {
  page: { method: 'alipay.trade.page.pay', productCode: 'FAST_INSTANT_TRADE_PAY' },
  wap: { method: 'alipay.trade.wap.pay', productCode: 'QUICK_WAP_WAY' },
} as const;

/**
 * Alipay OpenAPI (RSA2) through the official alipay-sdk: 当面付 precreate (QR), 电脑网站支付
 * and 手机网站支付, query, close, refund and refund query, asynchronous notifications, and the
 * daily trade bill. Alipay speaks yuan strings; everything here converts them exactly with
 * common/money. Only CNY is accepted (these products settle in CNY).
 */
@RegisterProvider()
export class AlipayProvider extends PaymentProvider {
  readonly name = 'alipay';
  readonly title = 'Alipay 支付宝';
  readonly configFields = ALIPAY_CONFIG_FIELDS;
  readonly secretFields = ['private_key'] as const;

  /** One SDK client per channel config (a new object whenever the channel changes). */
  private readonly clients = new WeakMap<object, AlipayClient>();
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    super();
    this.timeoutMs = config.env.CHANNEL_TIMEOUT_MS;
  }

  validateConfig(config: unknown): ConfigValidation {
    return validateAlipayConfig(config);
  }

  async createPayment(
    channel: ChannelContext,
    request: CreatePaymentRequest,
  ): Promise<CreatePaymentResult> {
    if (request.currency !== 'CNY') {
      throw new ProviderError('rejected', 'alipay takes CNY only', 'UNSUPPORTED_CURRENCY');
    }
    const config = alipayConfigOf(channel.config);
    const client = this.client(channel);
    const biz: Record<string, unknown> = {
      out_trade_no: request.orderId,
      total_amount: toMajorUnits(request.amount, 'CNY'),
      subject: [...request.subject].slice(0, 256).join(''),
      time_expire: beijingTime(request.expiresAt),
      ...(request.description ? { body: [...request.description].slice(0, 128).join('') } : {}),
      ...(config.seller_id ? { seller_id: config.seller_id } : {}),
    };
    const { checkout } = request;
    const product = checkout?.product ?? config.product;
    if (checkout && !config.cashier_products.includes(product as AlipayCashierProduct)) {
      throw new ProviderError('rejected', `alipay: ${product} is not a cashier product here`);
    }
    if (product === 'precreate') {
      const result = await client.call('alipay.trade.precreate', biz, {
        notify_url: channel.notifyUrl,
      });
      if (result.code !== '10000' || typeof result.qr_code !== 'string') {
        throw refused('alipay.trade.precreate', result);
      }
      // the trade exists at Alipay only once the payer scans; trade_no comes with the notification
      return { channelTradeNo: null, payUrl: result.qr_code };
    }
    const page = PAGE_METHODS[product as keyof typeof PAGE_METHODS];
    // the cashier's page is where Alipay sends the payer back (return_url) or on leaving (quit_url)
    const payUrl = client.pageUrl(
      page.method,
      {
        ...biz,
        product_code: page.productCode,
        ...(checkout && product === 'wap' ? { quit_url: checkout.returnUrl } : {}),
      },
      {
        notify_url: channel.notifyUrl,
        ...(checkout ? { return_url: checkout.returnUrl } : {}),
      },
    );
    return { channelTradeNo: null, payUrl };
  }

  override walletProducts(channel: ChannelContext): WalletProduct[] {
    return alipayConfigOf(channel.config).cashier_products.map((product) => ({
      wallet: 'alipay',
      product,
      scenes: product === 'precreate' ? ['qr'] : ['in_wallet', 'mobile_web'],
    }));
  }

  async queryPayment(channel: ChannelContext, orderId: string): Promise<PaymentStatusReport> {
    const result = await this.client(channel).call('alipay.trade.query', {
      out_trade_no: orderId,
    });
    if (result.code !== '10000') {
      if (result.sub_code === 'ACQ.TRADE_NOT_EXIST') return notFound();
      throw refused('alipay.trade.query', result);
    }
    return tradeReport(result);
  }

  async closePayment(channel: ChannelContext, orderId: string): Promise<PaymentStatusReport> {
    const result = await this.client(channel).call('alipay.trade.close', {
      out_trade_no: orderId,
    });
    if (result.code === '10000') {
      return { ...notFound(), status: 'CLOSED', channelTradeNo: text(result.trade_no) };
    }
    // never scanned: there is no trade to close, and time_expire stops a late scan from paying
    if (result.sub_code === 'ACQ.TRADE_NOT_EXIST') return notFound();
    // paid (or already closed) in the meantime: say what the trade is now
    if (result.sub_code === 'ACQ.TRADE_STATUS_ERROR') return this.queryPayment(channel, orderId);
    throw refused('alipay.trade.close', result);
  }

  async refund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    const result = await this.client(channel).call('alipay.trade.refund', {
      out_trade_no: request.orderId,
      refund_amount: toMajorUnits(request.amount, 'CNY'),
      out_request_no: request.refundId,
      ...(request.reason ? { refund_reason: [...request.reason].slice(0, 256).join('') } : {}),
    });
    if (result.code !== '10000') throw refused('alipay.trade.refund', result);
    // fund_change N: this out_request_no was refunded before (a retry); the refund query says how
    if (result.fund_change !== 'Y') return this.queryRefund(channel, request);
    return {
      status: 'SUCCEEDED',
      channelRefundNo: null,
      amount: request.amount,
      completedAt: parseBeijingTime(result.gmt_refund_pay) ?? Date.now(),
    };
  }

  async queryRefund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    const result = await this.client(channel).call('alipay.trade.fastpay.refund.query', {
      out_trade_no: request.orderId,
      out_request_no: request.refundId,
      query_options: ['gmt_refund_pay'],
    });
    if (result.code !== '10000') {
      if (result.sub_code === 'ACQ.TRADE_NOT_EXIST') return refundNotFound();
      throw refused('alipay.trade.fastpay.refund.query', result);
    }
    // without refund_status Alipay has not received (or not completed) this out_request_no
    if (result.refund_status !== 'REFUND_SUCCESS' || typeof result.refund_amount !== 'string') {
      return refundNotFound();
    }
    return {
      status: 'SUCCEEDED',
      channelRefundNo: null,
      amount: yuanOrUnavailable(result.refund_amount),
      completedAt: parseBeijingTime(result.gmt_refund_pay) ?? Date.now(),
    };
  }

  async parseNotification(
    channel: ChannelContext,
    notification: InboundNotification,
  ): Promise<ParsedNotification> {
    return parseAlipayNotification(
      this.client(channel),
      alipayConfigOf(channel.config),
      notification,
    );
  }

  async fetchStatement(channel: ChannelContext, date: string): Promise<StatementLine[]> {
    const method = 'alipay.data.dataservice.bill.downloadurl.query';
    const result = await this.client(channel).call(method, { bill_type: 'trade', bill_date: date });
    if (result.code !== '10000' || typeof result.bill_download_url !== 'string') {
      throw refused(method, result);
    }
    const zip = await this.download(result.bill_download_url);
    try {
      return parseAlipayBillZip(zip);
    } catch (error) {
      throw new ProviderError('unavailable', `alipay bill: ${(error as Error).message}`);
    }
  }

  private client(channel: ChannelContext): AlipayClient {
    let client = this.clients.get(channel.config);
    if (!client) {
      client = new AlipayClient(alipayConfigOf(channel.config), this.timeoutMs);
      this.clients.set(channel.config, client);
    }
    return client;
  }

  /** The bill file from the short-lived link Alipay answered with (signed response, so trusted). */
  private async download(url: string): Promise<Buffer> {
    if (!/^https?:\/\//.test(url)) {
      throw new ProviderError('unavailable', 'alipay bill: the download link is not http(s)');
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new ProviderError(
        timedOut ? 'timeout' : 'unavailable',
        `alipay bill download: ${(error as Error).message}`,
      );
    }
    if (!response.ok) {
      throw new ProviderError('unavailable', `alipay bill download: HTTP ${response.status}`);
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_BILL_BYTES) {
      throw new ProviderError('unavailable', 'alipay bill download: the file is too large');
    }
    return body;
  }
}

/** A business failure Alipay answered (code 40004 …): the request was refused, the channel is fine. */
function refused(method: string, result: AlipayResult): ProviderError {
  return new ProviderError(
    'rejected',
    `alipay ${method}: ${String(result.sub_msg ?? result.msg ?? 'refused')}`,
    String(result.sub_code ?? result.code ?? 'UNKNOWN'),
  );
}

function notFound(): PaymentStatusReport {
  return { status: 'NOT_FOUND', channelTradeNo: null, amount: null, currency: null, paidAt: null };
}

function refundNotFound(): RefundStatusReport {
  return { status: 'NOT_FOUND', channelRefundNo: null, amount: null, completedAt: null };
}

/** alipay.trade.query's answer as the port's report. */
function tradeReport(result: AlipayResult): PaymentStatusReport {
  const status = tradeStatus(result.trade_status);
  if (status === null) {
    throw new ProviderError(
      'unavailable',
      `alipay: unknown trade_status ${String(result.trade_status)}`,
    );
  }
  const amount =
    typeof result.total_amount === 'string' ? yuanOrUnavailable(result.total_amount) : null;
  return {
    status,
    channelTradeNo: text(result.trade_no),
    amount,
    currency: amount === null ? null : 'CNY',
    paidAt: status === 'SUCCEEDED' ? (parseBeijingTime(result.send_pay_date) ?? null) : null,
  };
}

/** A yuan amount in a verified answer; unreadable means the answer cannot be used. */
function yuanOrUnavailable(value: string): number {
  try {
    return fromMajorUnits(value, 'CNY');
  } catch {
    throw new ProviderError('unavailable', `alipay: unreadable amount ${value.slice(0, 32)}`);
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
