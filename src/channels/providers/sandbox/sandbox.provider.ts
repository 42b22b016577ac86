import { setTimeout as sleep } from 'node:timers/promises';
import { iso, settlementDayBounds } from '../../../common/time';
import { AppConfig } from '../../../config/app-config';
import { isUniqueViolation } from '../../../database/database-errors';
import { Database } from '../../../database/database.service';
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
import { SandboxPaymentEntity } from './entities/sandbox-payment.entity';
import { SandboxRefundEntity } from './entities/sandbox-refund.entity';
import {
  sandboxConfigOf,
  SandboxConfig,
  validateSandboxConfig,
  SANDBOX_CONFIG_FIELDS,
} from './sandbox-config';
import { SandboxDraws } from './sandbox-draws';
import { SandboxNotice, SandboxNotifier } from './sandbox-notifier';
import { SandboxRepository } from './sandbox.repository';
import { payUrl, refundNo, tradeNo, verifyNotificationSignature } from './sandbox-signing';

/**
 * The built-in sandbox provider: behaves like a real one without leaving the machine. Its
 * knobs (latency, create errors, notification delay, drops and duplicates) come from the
 * channel's config; creating a payment writes nothing, the payer's outcome, closes and
 * refunds are kept in the sandbox's own tables.
 */
@RegisterProvider()
export class SandboxProvider extends PaymentProvider {
  readonly name = 'sandbox';
  readonly title = 'Sandbox 沙箱';
  readonly configFields = SANDBOX_CONFIG_FIELDS;
  readonly secretFields = ['secret'] as const;

  constructor(
    private readonly db: Database,
    private readonly repository: SandboxRepository,
    private readonly draws: SandboxDraws,
    private readonly notifier: SandboxNotifier,
    private readonly config: AppConfig,
  ) {
    super();
  }

  validateConfig(config: unknown): ConfigValidation {
    return validateSandboxConfig(config);
  }

  async createPayment(
    channel: ChannelContext,
    request: CreatePaymentRequest,
  ): Promise<CreatePaymentResult> {
    const config = await this.respond(channel);
    if (this.draws.next(channel, 'create_error') < config.create_error_rate) {
      throw new ProviderError('unavailable', 'sandbox: simulated create error', 'SIMULATED_ERROR');
    }
    return {
      channelTradeNo: tradeNo(config.secret, request.orderId),
      payUrl: payUrl(channel.publicBaseUrl, config.secret, {
        orderId: request.orderId,
        channel: channel.code,
        amount: request.amount,
        currency: request.currency,
        expires: request.expiresAt,
      }),
    };
  }

  /** The cashier offers the sandbox's page outside production only, beside the real wallets. */
  override walletProducts(): WalletProduct[] {
    if (this.config.production) return [];
    return [{ wallet: 'sandbox', product: 'page', scenes: ['qr', 'mobile_web'] }];
  }

  async queryPayment(
    channel: ChannelContext,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport> {
    const config = await this.respond(channel);
    const expected = tradeNo(config.secret, orderId);
    if (channelTradeNo !== null && channelTradeNo !== expected) return notFound();
    const row = await this.db.run((em) => this.repository.findPayment(em, orderId));
    if (row && row.channelId !== channel.channelId) return notFound();
    // the sandbox keeps nothing at creation: a trade nobody acted on is simply pending
    return row
      ? paymentReport(row)
      : { ...notFound(), status: 'PENDING', channelTradeNo: expected };
  }

  async closePayment(
    channel: ChannelContext,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport> {
    const config = await this.respond(channel);
    const trade = tradeNo(config.secret, orderId);
    if (channelTradeNo !== null && channelTradeNo !== trade) {
      throw new ProviderError('rejected', 'sandbox: no such trade', 'TRADE_NOT_EXIST');
    }
    const row = await this.db.run(async (em) => {
      await this.repository.insertOutcome(em, {
        orderId,
        channelId: channel.channelId,
        tradeNo: trade,
        status: 'CLOSED',
        amount: null,
        currency: null,
        refundedAmount: 0,
        createdAt: Date.now(),
        paidAt: null,
      });
      return this.repository.findPayment(em, orderId);
    });
    if (!row || row.channelId !== channel.channelId) {
      throw new ProviderError('rejected', 'sandbox: trade belongs to another channel');
    }
    return paymentReport(row);
  }

  async refund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    const config = await this.respond(channel);
    const now = Date.now();
    const row: SandboxRefundEntity = {
      refundId: request.refundId,
      orderId: request.orderId,
      channelId: channel.channelId,
      refundNo: refundNo(config.secret, request.refundId),
      amount: request.amount,
      currency: request.currency,
      createdAt: now,
      completesAt: now + config.notify_delay_ms,
    };
    let created: boolean;
    try {
      created = await this.db.transaction(async (em) => {
        const existing = await this.repository.findRefund(em, request.refundId);
        if (existing) return false;
        const accepted = await this.repository.addRefunded(
          em,
          request.orderId,
          channel.channelId,
          request.amount,
          request.currency,
        );
        if (!accepted) {
          throw new ProviderError(
            'rejected',
            'sandbox: the trade is not paid or the refunds would exceed the paid amount',
            'REFUND_AMOUNT_EXCEEDED',
          );
        }
        await this.repository.insertRefund(em, row);
        return true;
      });
    } catch (error) {
      // the same refund_id sent twice at once: the other request recorded it
      if (!isUniqueViolation(error)) throw error;
      created = false;
    }
    if (!created) return this.existingRefund(channel, request);
    this.notifier.notify(channel, {
      type: 'refund',
      order_id: request.orderId,
      refund_id: request.refundId,
      trade_no: tradeNo(config.secret, request.orderId),
      status: 'SUCCEEDED',
      amount: request.amount,
      currency: request.currency,
      occurred_at: iso(row.completesAt),
    });
    return {
      status: 'PENDING',
      channelRefundNo: row.refundNo,
      amount: row.amount,
      completedAt: null,
    };
  }

  async queryRefund(channel: ChannelContext, request: RefundRequest): Promise<RefundStatusReport> {
    await this.respond(channel);
    const row = await this.db.run((em) => this.repository.findRefund(em, request.refundId));
    if (!row || row.channelId !== channel.channelId) {
      return { status: 'NOT_FOUND', channelRefundNo: null, amount: null, completedAt: null };
    }
    return refundReport(row, Date.now());
  }

  async parseNotification(
    channel: ChannelContext,
    notification: InboundNotification,
  ): Promise<ParsedNotification> {
    const { secret } = sandboxConfigOf(channel.config);
    verifyNotificationSignature(secret, notification, Date.now());
    const notice = parseNotice(notification.rawBody);
    const occurredAt = Date.parse(notice.occurred_at);
    const reply = { status: 200, contentType: 'text/plain', body: 'success' };
    if (notice.type === 'payment') {
      return {
        event: {
          kind: 'payment',
          orderId: notice.order_id,
          status: notice.status,
          channelTradeNo: notice.trade_no,
          amount: notice.amount,
          currency: notice.currency,
          occurredAt,
        },
        reply,
      };
    }
    return {
      event: {
        kind: 'refund',
        refundId: notice.refund_id as string,
        orderId: notice.order_id,
        status: notice.status,
        channelRefundNo: refundNo(secret, notice.refund_id as string),
        amount: notice.amount,
        occurredAt,
      },
      reply,
    };
  }

  async fetchStatement(channel: ChannelContext, date: string): Promise<StatementLine[]> {
    const { start, end } = settlementDayBounds(date, this.config.env.SETTLEMENT_TZ);
    const now = Date.now();
    const { payments, refunds } = await this.db.run(async (em) => ({
      payments: await this.repository.paidBetween(em, channel.channelId, start, end),
      refunds: await this.repository.completedBetween(em, channel.channelId, start, end, now),
    }));
    const { secret } = sandboxConfigOf(channel.config);
    return [
      ...payments.map((p): StatementLine => ({
        type: 'payment',
        orderId: p.orderId,
        refundId: null,
        channelTradeNo: p.tradeNo,
        amount: p.amount,
        currency: p.currency,
        fee: null,
        status: 'SUCCEEDED',
        occurredAt: p.paidAt,
      })),
      ...refunds.map((r): StatementLine => ({
        type: 'refund',
        orderId: r.orderId,
        refundId: r.refundId,
        channelTradeNo: tradeNo(secret, r.orderId),
        amount: r.amount,
        currency: r.currency,
        fee: null,
        status: 'SUCCEEDED',
        occurredAt: r.completesAt,
      })),
    ];
  }

  /** Waits the channel's `latency_ms`, as a slow provider would, and returns its config. */
  private async respond(channel: ChannelContext): Promise<SandboxConfig> {
    const config = sandboxConfigOf(channel.config);
    if (config.latency_ms > 0) await sleep(config.latency_ms, undefined, { ref: false });
    return config;
  }

  private async existingRefund(
    channel: ChannelContext,
    request: RefundRequest,
  ): Promise<RefundStatusReport> {
    const existing = await this.db.run((em) => this.repository.findRefund(em, request.refundId));
    if (
      !existing ||
      existing.channelId !== channel.channelId ||
      existing.orderId !== request.orderId ||
      existing.amount !== request.amount
    ) {
      throw new ProviderError('rejected', 'sandbox: refund_id already used for another refund');
    }
    return refundReport(existing, Date.now());
  }
}

function notFound(): PaymentStatusReport {
  return { status: 'NOT_FOUND', channelTradeNo: null, amount: null, currency: null, paidAt: null };
}

function paymentReport(row: SandboxPaymentEntity): PaymentStatusReport {
  return {
    status: row.status,
    channelTradeNo: row.tradeNo,
    amount: row.amount,
    currency: row.currency,
    paidAt: row.paidAt,
  };
}

function refundReport(row: SandboxRefundEntity, now: number): RefundStatusReport {
  const done = row.completesAt <= now;
  return {
    status: done ? 'SUCCEEDED' : 'PENDING',
    channelRefundNo: row.refundNo,
    amount: row.amount,
    completedAt: done ? row.completesAt : null,
  };
}

/** A verified body is ours, but its shape is still checked before anything is applied. */
function parseNotice(rawBody: string): SandboxNotice {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new NotificationRejectedError('sandbox notification body is not JSON');
  }
  const n = body as Partial<SandboxNotice>;
  const valid =
    typeof body === 'object' &&
    body !== null &&
    (n.type === 'payment' || (n.type === 'refund' && typeof n.refund_id === 'string')) &&
    typeof n.order_id === 'string' &&
    typeof n.trade_no === 'string' &&
    (n.status === 'SUCCEEDED' || n.status === 'FAILED') &&
    typeof n.amount === 'number' &&
    Number.isSafeInteger(n.amount) &&
    typeof n.currency === 'string' &&
    typeof n.occurred_at === 'string' &&
    !Number.isNaN(Date.parse(n.occurred_at));
  if (!valid) throw new NotificationRejectedError('sandbox notification has an unexpected shape');
  return n as SandboxNotice;
}
