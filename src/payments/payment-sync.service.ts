import { Injectable, Logger } from '@nestjs/common';
import { ChannelGateway } from '../channels/channel-gateway';
import { PaymentStatusReport, ProviderError } from '../channels/providers/payment-provider.port';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { Principal } from '../auth/principal';
import { AttemptsRepository } from './attempts.repository';
import { OrderDto } from './dto/order.dto';
import { PaymentError } from './payments.errors';
import { PaymentsService } from './payments.service';
import { OrderEntity } from './entities/order.entity';
import { OrderTransitions } from './order-transitions.service';
import { OrdersRepository } from './orders.repository';
import { PaymentReports } from './payment-reports.service';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

const BATCH = 50;

/**
 * Heals what notifications missed. The status sync asks the channel about PENDING orders that
 * have heard nothing STATUS_SYNC_SCHEDULE seconds after creation; the expiry sweep closes
 * PENDING orders past `expires_at`, after asking the channel (a paid order is never closed).
 * Both apply answers through the same code as notifications. Each runs on one instance at a
 * time (job leases), and every change is a conditional update, so overlapping runs are harmless.
 */
@Injectable()
export class PaymentSync {
  private readonly logger = new Logger(PaymentSync.name);

  constructor(
    private readonly db: Database,
    private readonly orders: OrdersRepository,
    private readonly attempts: AttemptsRepository,
    private readonly refunds: RefundsRepository,
    private readonly refundsService: RefundsService,
    private readonly payments: PaymentsService,
    private readonly reports: PaymentReports,
    private readonly transitions: OrderTransitions,
    private readonly channels: ChannelGateway,
    private readonly config: AppConfig,
  ) {}

  /** One pass of the status sync; returns how many orders and refunds were asked about. */
  async syncDue(): Promise<number> {
    const now = Date.now();
    const orders = await this.db.run((em) => this.orders.dueForSync(em, now, BATCH));
    for (const order of orders) await this.guard(order.orderId, () => this.syncOrder(order));
    const refunds = await this.db.run((em) => this.refunds.dueForSync(em, now, BATCH));
    for (const refund of refunds)
      await this.guard(refund.refundId, () => this.refundsService.syncRefund(refund));
    return orders.length + refunds.length;
  }

  /** One pass of the expiry sweep; returns how many orders it looked at. */
  async expireDue(): Promise<number> {
    const orders = await this.db.run((em) => this.orders.dueForExpiry(em, Date.now(), BATCH));
    for (const order of orders) await this.guard(order.orderId, () => this.expireOrder(order));
    return orders.length;
  }

  async syncOrder(order: OrderEntity): Promise<void> {
    const applied = await this.askChannels(order, 'skip');
    if (applied?.status !== 'PENDING') return;
    return this.scheduleNext(order);
  }

  /**
   * "Sync now": the status sync of one order, on request, through the same code as the
   * scheduled one. A channel that does not answer is 503 `channel_unavailable` and changes
   * nothing; an order with nothing to ask about yet (a cashier order before the payer chose a
   * wallet) is 409 `invalid_state`; an order no longer PENDING is returned as it is. The
   * schedule of the background sync is left alone.
   */
  async syncPayment(principal: Principal, orderId: string): Promise<OrderDto> {
    const order = await this.payments.readable(principal, orderId);
    if (order.status !== 'PENDING') return this.payments.getPayment(principal, orderId);
    const channels = await this.db.run((em) => this.attempts.channelsToAsk(em, order));
    if (channels.length === 0) throw PaymentError.invalidState('order', order.status);
    await this.askChannels(order, 'fail', channels);
    return this.payments.getPayment(principal, orderId);
  }

  /**
   * Asks each channel that may hold a trade for the order and applies the first final answer;
   * returns the order as it then is (null if it vanished). `onSilence`: a channel that does
   * not answer is skipped (the scheduled sync asks again later) or fails the call.
   */
  private async askChannels(
    order: OrderEntity,
    onSilence: 'skip' | 'fail',
    channelIds?: string[],
  ): Promise<OrderEntity | null> {
    const channels =
      channelIds ?? (await this.db.run((em) => this.attempts.channelsToAsk(em, order)));
    let current: OrderEntity | null = order;
    for (const channelId of channels) {
      let report: PaymentStatusReport;
      try {
        report = await this.channels.queryPayment(channelId, order.orderId, order.channelTradeNo);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (onSilence === 'fail') throw PaymentError.channelUnavailable();
        continue;
      }
      // NOT_FOUND shortly after creation is normal (the payer has not opened the page yet)
      if (report.status === 'PENDING' || report.status === 'NOT_FOUND') continue;
      current = await this.reports.applyPaymentReport(channelId, order.orderId, report);
      if (current?.status !== 'PENDING') return current;
    }
    return current;
  }

  /**
   * Closes an expired order after closing its trades (each asked first): a paid one is applied
   * instead, and a channel that does not answer leaves the order for the next sweep.
   */
  async expireOrder(order: OrderEntity): Promise<void> {
    const channels = await this.db.run((em) => this.attempts.channelsToAsk(em, order));
    for (const channelId of channels) {
      let report: PaymentStatusReport;
      try {
        report = await this.channels.queryPayment(channelId, order.orderId, order.channelTradeNo);
        if (report.status === 'PENDING' || report.status === 'NOT_FOUND') {
          report = await this.channels.closePayment(channelId, order.orderId, order.channelTradeNo);
        }
      } catch (error) {
        // the channel did not answer: leave the order for the next sweep rather than guess
        if (error instanceof ProviderError) return;
        throw error;
      }
      if (report.status === 'SUCCEEDED' || report.status === 'FAILED') {
        const applied = await this.reports.applyPaymentReport(channelId, order.orderId, report);
        if (applied?.status !== 'PENDING') return;
      }
    }
    await this.db.transaction((em) => this.transitions.close(em, order.orderId, Date.now()));
  }

  private async scheduleNext(order: OrderEntity): Promise<void> {
    const now = Date.now();
    const next =
      this.config.env.STATUS_SYNC_SCHEDULE.map((s) => order.createdAt + s * 1000).find(
        (t) => t > now,
      ) ?? null;
    await this.db.run((em) => this.orders.setNextSync(em, order.orderId, next));
  }

  private async guard(id: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ err: error, id }, 'sync of one order failed; the others go on');
    }
  }
}
