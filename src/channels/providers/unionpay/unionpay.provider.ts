import { AppConfig } from '../../../config/app-config';
import {
  ChannelContext,
  ConfigValidation,
  CreatePaymentRequest,
  CreatePaymentResult,
  InboundNotification,
  NotificationRejectedError,
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
import { monthDayTime, statementLines, unpackFileContent, zmRecords } from './unionpay-bill';
import { credentialFromPem, parseCertificate } from './unionpay-certs';
import { PATHS, UnionpayClient } from './unionpay-client';
import {
  unionpayConfigOf,
  UnionpayConfig,
  UnionpayProduct,
  validateUnionpayConfig,
  UNIONPAY_CONFIG_FIELDS,
} from './unionpay-config';
import { channelTypeFor, payLinkUrl, UnionpayPayLink, PAY_PAGE_PATH } from './unionpay-pay-link';
import {
  beijingCompact,
  CURRENCY_CNY,
  fenOf,
  nextDay,
  ORIG_SUCCESS,
  orderIdOf,
  refundIdOf,
  RESP_NO_FILE,
  RESP_NOT_FOUND,
  RESP_OK,
  RESP_PENDING,
  settlementDayOf,
  TXN,
  TXN_TYPE,
  txnTimeOf,
  unionpayOrderId,
} from './unionpay-protocol';
import { AcpFields, parseForm } from './unionpay-signing';

/** What UnionPay reads from our answer to a back notification: HTTP 200 (any body). */
const ACCEPTED = { status: 200, contentType: 'text/plain', body: 'ok' } as const;

/** A transaction as the query (queryTrans.do) reports it. */
interface TransactionState {
  status: 'SUCCEEDED' | 'PENDING' | 'FAILED' | 'NOT_FOUND';
  answer: AcpFields;
}

/**
 * UnionPay online payments (全渠道 ACP 5.1.0), hand-written on node:crypto with node-forge for
 * PKCS#12: 网关支付 (the payer's browser posts a signed form from a page of ours) and 二维码支付
 * (the payer scans `qrCode`), the transaction query, refunds and same-day voids, back
 * notifications (confirmed with a query before anything is applied) and the ZM statement.
 * UnionPay has no close: an order expires at payTimeout, and closing asks first whether the
 * payer paid. Amounts are integer fen on both sides; only CNY is taken.
 */
@RegisterProvider()
export class UnionpayProvider extends PaymentProvider {
  readonly name = 'unionpay';
  readonly title = 'UnionPay 银联';
  readonly configFields = UNIONPAY_CONFIG_FIELDS;
  readonly secretFields = ['private_key'] as const;

  /** One client per channel config (a new object whenever the channel changes). */
  private readonly clients = new WeakMap<object, UnionpayClient>();
  private readonly timeoutMs: number;
  /** The clock certificates are checked against; tests move it. */
  clock: () => number = Date.now;

  constructor(config: AppConfig) {
    super();
    this.timeoutMs = config.env.CHANNEL_TIMEOUT_MS;
  }

  validateConfig(config: unknown): ConfigValidation {
    return validateUnionpayConfig(config);
  }

  async createPayment(
    channel: ChannelContext,
    request: CreatePaymentRequest,
  ): Promise<CreatePaymentResult> {
    if (request.currency !== 'CNY') {
      throw new ProviderError('rejected', 'unionpay takes CNY only', 'UNSUPPORTED_CURRENCY');
    }
    const ids = this.ids(request.orderId);
    const config = unionpayConfigOf(channel.config);
    const client = this.client(channel);
    const product = request.checkout?.product ?? config.product;
    if (request.checkout && !config.cashier_products.includes(product as UnionpayProduct)) {
      throw new ProviderError('rejected', `unionpay: ${product} is not a cashier product here`);
    }
    if (product === 'gateway') {
      // nothing is sent now: the payer's browser posts the signed form from our page
      const link: UnionpayPayLink = {
        orderId: request.orderId,
        channel: channel.code,
        amount: request.amount,
        expires: request.expiresAt,
      };
      return {
        channelTradeNo: null,
        payUrl: payLinkUrl(channel.publicBaseUrl, client.credential.privateKey, link),
      };
    }
    const answer = await client.post(PATHS.back, {
      ...TXN.qrPay,
      channelType: '08',
      currencyCode: CURRENCY_CNY,
      orderId: ids.orderId,
      txnTime: ids.txnTime,
      txnAmt: String(request.amount),
      payTimeout: beijingCompact(request.expiresAt),
      backUrl: channel.notifyUrl,
    });
    if (answer.respCode === RESP_OK && answer.qrCode) {
      return { channelTradeNo: null, payUrl: answer.qrCode };
    }
    // 03/04/05: UnionPay did not say whether the code was made; the order tries elsewhere
    if (RESP_PENDING.has(answer.respCode)) {
      throw new ProviderError(
        'unavailable',
        `unionpay QR create: ${answer.respMsg ?? ''}`,
        answer.respCode,
      );
    }
    throw refused('QR create', answer);
  }

  /** 云闪付 opens the gateway page inside the app; a computer shows the QR product. */
  override walletProducts(channel: ChannelContext): WalletProduct[] {
    return unionpayConfigOf(channel.config).cashier_products.map((product) => ({
      wallet: 'unionpay',
      product,
      scenes: product === 'qr' ? ['qr'] : ['in_wallet', 'mobile_web'],
    }));
  }

  /**
   * The signed form the gateway product's page posts to UnionPay for a verified pay link:
   * `action` comes from the channel config, never from the link.
   */
  gatewayForm(
    channel: ChannelContext,
    link: UnionpayPayLink,
    userAgent: string | undefined,
  ): { action: string; fields: AcpFields } {
    const config = unionpayConfigOf(channel.config);
    const ids = this.ids(link.orderId);
    const channelType =
      config.channel_type === 'auto' ? channelTypeFor(userAgent) : config.channel_type;
    const fields = this.client(channel).sign({
      ...TXN.gatewayPay,
      channelType,
      currencyCode: CURRENCY_CNY,
      orderId: ids.orderId,
      txnTime: ids.txnTime,
      txnAmt: String(link.amount),
      payTimeout: beijingCompact(link.expires),
      backUrl: channel.notifyUrl,
      frontUrl: `${channel.publicBaseUrl}${PAY_PAGE_PATH}/${encodeURIComponent(link.orderId)}/return`,
    });
    return { action: `${config.gateway_url}${PATHS.front}`, fields };
  }

  /** The key pay links are signed with (derived from the channel's signing key). */
  payLinkKey(channel: ChannelContext) {
    return this.client(channel).credential.privateKey;
  }

  async queryPayment(channel: ChannelContext, orderId: string): Promise<PaymentStatusReport> {
    return paymentReport(await this.query(this.client(channel), orderId));
  }

  /**
   * UnionPay has no close: payTimeout stops a payment after the order's expiry. Closing asks
   * first; a paid order is reported (and so never closed), a payment under way refuses the
   * close, and otherwise the order may close here.
   */
  async closePayment(channel: ChannelContext, orderId: string): Promise<PaymentStatusReport> {
    const state = await this.query(this.client(channel), orderId);
    if (state.status === 'SUCCEEDED') return paymentReport(state);
    if (state.status === 'PENDING') {
      throw new ProviderError(
        'rejected',
        'unionpay: the payment is under way',
        state.answer.origRespCode,
      );
    }
    return { ...paymentReport(state), status: 'CLOSED' };
  }

  /**
   * A refund (04) refers to the payment's queryId; the whole amount on the payment's own
   * settlement day (before UnionPay's 23:00 cut-off) is a void (31) instead, which UnionPay
   * reverses without a refund. Either completes asynchronously: PENDING until the back
   * notification or the status sync's query says how it ended.
   */
  async refund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    const config = unionpayConfigOf(channel.config);
    const client = this.client(channel);
    const ids = this.ids(request.refundId);
    let payment: TransactionState;
    try {
      payment = await this.query(client, request.orderId);
    } catch (error) {
      // nothing was sent: the refund can fail now rather than wait for a sync that finds nothing
      if (!(error instanceof ProviderError) || error.kind === 'rejected') throw error;
      throw new ProviderError(
        'rejected',
        `unionpay: the payment could not be looked up, no refund was sent (${error.message})`,
        error.providerCode,
      );
    }
    if (payment.status !== 'SUCCEEDED' || !payment.answer.queryId) {
      throw new ProviderError(
        'rejected',
        'unionpay: the payment has not succeeded',
        payment.answer.origRespCode,
      );
    }
    const sameDay =
      payment.answer.settleDate === settlementDayOf(this.clock()).slice(5).replace('-', '');
    const kind = request.amount === request.orderAmount && sameDay ? TXN.void : TXN.refund;
    const answer = await client.post(PATHS.back, {
      ...kind,
      bizType: config.product === 'qr' ? TXN.qrPay.bizType : TXN.gatewayPay.bizType,
      channelType: config.product === 'qr' ? '08' : '07',
      orderId: ids.orderId,
      txnTime: ids.txnTime,
      txnAmt: String(request.amount),
      currencyCode: CURRENCY_CNY,
      origQryId: payment.answer.queryId,
      backUrl: channel.notifyUrl,
    });
    if (answer.respCode === RESP_OK || RESP_PENDING.has(answer.respCode)) {
      return {
        status: 'PENDING',
        channelRefundNo: answer.queryId || null,
        amount: null,
        completedAt: null,
      };
    }
    // 12 重复交易: this refund id was sent before (a retry); the query says how it stands
    if (answer.respCode === '12') return this.queryRefund(channel, request);
    throw refused(kind === TXN.void ? 'void' : 'refund', answer);
  }

  async queryRefund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    return refundReport(await this.query(this.client(channel), request.refundId));
  }

  /**
   * A back notification (a form POST): verified like an answer (certificate chain, CN,
   * signature, merId), then confirmed with a query of the transaction it names, whose answer
   * is what is applied. One that cannot be confirmed yet is refused (401), so UnionPay sends
   * it again.
   */
  async parseNotification(
    channel: ChannelContext,
    notification: InboundNotification,
  ): Promise<ParsedNotification> {
    const client = this.client(channel);
    const fields = parseForm(notification.rawBody);
    if (!fields || !fields.signature) {
      throw new NotificationRejectedError('unionpay notification is not a signed form');
    }
    const problem = client.untrusted(fields);
    if (problem) throw new NotificationRejectedError(`unionpay notification: ${problem}`);
    if (fields.merId !== client.merId) {
      throw new NotificationRejectedError('unionpay notification is for another merId');
    }
    const kind =
      fields.txnType === TXN_TYPE.pay
        ? 'payment'
        : fields.txnType === TXN_TYPE.refund || fields.txnType === TXN_TYPE.void
          ? 'refund'
          : null;
    if (!kind || !fields.orderId) {
      throw new NotificationRejectedError(
        `unionpay notification of txnType ${fields.txnType ?? '?'}`,
      );
    }
    const id = kind === 'payment' ? orderIdOf(fields.orderId) : refundIdOf(fields.orderId);
    let ours: { txnTime: string };
    try {
      ours = this.ids(id);
    } catch {
      throw new NotificationRejectedError('unionpay notification is for no transaction of ours');
    }
    if (fields.txnTime !== ours.txnTime) {
      throw new NotificationRejectedError('unionpay notification has another txnTime');
    }
    let state: TransactionState;
    try {
      state = await this.query(client, id);
    } catch (error) {
      throw new NotificationRejectedError(
        `unionpay notification not confirmed: ${(error as Error).message}`,
      );
    }
    if (state.status === 'PENDING' || state.status === 'NOT_FOUND') {
      throw new NotificationRejectedError('unionpay notification not confirmed by the query yet');
    }
    if (kind === 'payment') {
      const report = paymentReport(state);
      return {
        event: {
          kind: 'payment',
          orderId: id,
          status: report.status as 'SUCCEEDED' | 'FAILED',
          channelTradeNo: report.channelTradeNo,
          amount: report.amount,
          currency: report.currency,
          occurredAt: report.paidAt,
        },
        reply: ACCEPTED,
      };
    }
    const report = refundReport(state);
    return {
      event: {
        kind: 'refund',
        refundId: id,
        orderId: null,
        status: report.status as 'SUCCEEDED' | 'FAILED',
        channelRefundNo: report.channelRefundNo,
        amount: report.amount,
        occurredAt: report.completedAt,
      },
      reply: ACCEPTED,
    };
  }

  /**
   * The movements of a settlement date (YYYY-MM-DD, Beijing). UnionPay's day ends at 23:00, so
   * the statements of `date` and of the next day are read and cut at Beijing midnight; the next
   * day's is not there before it ends, and until then the last hour of `date` is missing.
   */
  async fetchStatement(channel: ChannelContext, date: string): Promise<StatementLine[]> {
    const client = this.client(channel);
    const start = Date.parse(`${date}T00:00:00+08:00`);
    const lines: StatementLine[] = [];
    for (const settleDate of [date, nextDay(date)]) {
      const records = await this.statementRecords(client, settleDate, settleDate === date);
      if (records === null) continue;
      try {
        lines.push(...statementLines(records, settleDate));
      } catch (error) {
        throw new ProviderError('unavailable', `unionpay statement: ${(error as Error).message}`);
      }
    }
    return lines.filter((l) => l.occurredAt >= start && l.occurredAt < start + 86_400_000);
  }

  /** One settlement date's ZM records; null when its file is not there and `required` is off. */
  private async statementRecords(client: UnionpayClient, settleDate: string, required: boolean) {
    const answer = await client.post(null, {
      ...TXN.statement,
      txnTime: beijingCompact(this.clock()),
      settleDate: settleDate.slice(5).replace('-', ''),
      fileType: '00',
    });
    if (answer.respCode === RESP_NO_FILE && !required) return null;
    if (answer.respCode !== RESP_OK || answer.fileContent === undefined) {
      throw refused(`statement ${settleDate}`, answer);
    }
    try {
      const zip = unpackFileContent(answer.fileContent);
      return zmRecords(zip, client.merId, settleDate.slice(2).replace(/-/g, ''));
    } catch (error) {
      throw new ProviderError('unavailable', `unionpay statement: ${(error as Error).message}`);
    }
  }

  /** queryTrans.do for one of our transactions (a payment by order id, a refund by refund id). */
  private async query(client: UnionpayClient, id: string): Promise<TransactionState> {
    const ids = this.ids(id);
    const answer = await client.post(PATHS.query, {
      ...TXN.query,
      orderId: ids.orderId,
      txnTime: ids.txnTime,
    });
    if (answer.respCode === RESP_NOT_FOUND) return { status: 'NOT_FOUND', answer };
    if (RESP_PENDING.has(answer.respCode)) {
      throw new ProviderError(
        'unavailable',
        `unionpay query: ${answer.respMsg ?? ''}`,
        answer.respCode,
      );
    }
    if (answer.respCode !== RESP_OK) throw refused('query', answer);
    if (answer.orderId !== ids.orderId || answer.txnTime !== ids.txnTime) {
      throw new ProviderError('unavailable', 'unionpay query answered about another transaction');
    }
    const orig = answer.origRespCode;
    if (!orig)
      throw new ProviderError('unavailable', 'unionpay query answered without origRespCode');
    const status = ORIG_SUCCESS.has(orig)
      ? 'SUCCEEDED'
      : RESP_PENDING.has(orig)
        ? 'PENDING'
        : 'FAILED';
    return { status, answer };
  }

  private ids(id: string): { orderId: string; txnTime: string } {
    try {
      return { orderId: unionpayOrderId(id), txnTime: txnTimeOf(id) };
    } catch (error) {
      throw new ProviderError('rejected', (error as Error).message, 'UNSUPPORTED_ID');
    }
  }

  private client(channel: ChannelContext): UnionpayClient {
    let client = this.clients.get(channel.config);
    if (!client) {
      client = newClient(unionpayConfigOf(channel.config), this.timeoutMs, () => this.clock());
      this.clients.set(channel.config, client);
    }
    return client;
  }
}

function newClient(config: UnionpayConfig, timeoutMs: number, now: () => number): UnionpayClient {
  const credential = credentialFromPem(config.private_key, config.sign_cert);
  const middle = parseCertificate(config.middle_cert);
  const root = parseCertificate(config.root_cert);
  if (!credential || !middle || !root) {
    throw new ProviderError('rejected', 'unionpay: unusable keys or certificates');
  }
  return new UnionpayClient(
    config,
    credential,
    { middle, root, validateCn: config.validate_cn },
    timeoutMs,
    now,
  );
}

/** An answer code that refuses this request (bad fields, state, amount): the channel is fine. */
function refused(what: string, answer: AcpFields): ProviderError {
  return new ProviderError(
    'rejected',
    `unionpay ${what}: ${answer.respMsg ?? 'refused'}`,
    answer.respCode ?? 'UNKNOWN',
  );
}

function paymentReport(state: TransactionState): PaymentStatusReport {
  const { answer } = state;
  if (state.status === 'NOT_FOUND') {
    return {
      status: 'NOT_FOUND',
      channelTradeNo: null,
      amount: null,
      currency: null,
      paidAt: null,
    };
  }
  const amount = fenOf(answer.txnAmt);
  return {
    status: state.status,
    channelTradeNo: answer.queryId || null,
    amount,
    currency: answer.currencyCode === CURRENCY_CNY ? 'CNY' : (answer.currencyCode ?? null),
    paidAt: state.status === 'SUCCEEDED' ? timeOf(answer) : null,
  };
}

function refundReport(state: TransactionState): RefundStatusReport {
  const { answer } = state;
  if (state.status === 'NOT_FOUND') {
    return { status: 'NOT_FOUND', channelRefundNo: null, amount: null, completedAt: null };
  }
  return {
    status: state.status,
    channelRefundNo: answer.queryId || null,
    amount: fenOf(answer.txnAmt),
    completedAt: state.status === 'SUCCEEDED' ? (timeOf(answer) ?? Date.now()) : null,
  };
}

/** When UnionPay took the transaction: traceTime (MMDDhhmmss) in the year of its txnTime. */
function timeOf(answer: AcpFields): number | null {
  const txnDate = answer.txnTime?.slice(0, 8);
  if (!txnDate || !/^\d{8}$/.test(txnDate)) return null;
  return monthDayTime(
    answer.traceTime,
    `${txnDate.slice(0, 4)}-${txnDate.slice(4, 6)}-${txnDate.slice(6)}`,
  );
}
