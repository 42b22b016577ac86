import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChannelGateway } from '../channels/channel-gateway';
import { PaymentStatusReport, ProviderError } from '../channels/providers/payment-provider.port';
import { AppConfig } from '../config/app-config';
import { forEachConcurrently } from '../common/concurrency';
import { Database } from '../database/database.service';
import { Principal } from '../auth/principal';
import { JobLeaseService } from '../database/job-lease.service';
import { AttemptsRepository } from './attempts.repository';
import { OrderDto } from './dto/order.dto';
import { PaymentError } from './payments.errors';
import { PaymentsService } from './payments.service';
import { OrderEntity } from './entities/order.entity';
import { OrderTransitions } from './order-transitions.service';
import { OrderClaim, OrdersRepository } from './orders.repository';
import { PaymentReports } from './payment-reports.service';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

/** Refunds due a status query per pass (refunds are few; one instance at a time asks). */
const REFUND_BATCH = 50;
/** A batch of orders is this many rounds of PAYMENT_SYNC_CONCURRENCY provider calls. */
const ROUNDS_PER_BATCH = 10;
/** How long an order whose channel did not answer waits before it is asked again. */
const RETRY_AFTER_MS = 5000;
/** Database work around one order's provider calls (reads, the close transaction). */
const ORDER_MARGIN_MS = 5000;
/** Expired orders closed in one transaction. */
const CLOSE_CHUNK = 200;

/** One pass over a batch: how many were claimed, and whether the batch was full. */
export interface SyncPass {
  claimed: number;
  full: boolean;
}

/**
 * Heals what notifications missed. The status sync asks the channel about PENDING orders that
 * have heard nothing STATUS_SYNC_SCHEDULE seconds after creation; the expiry sweep closes
 * PENDING orders past `expires_at`, after asking the channel (a paid order is never closed).
 * Both apply answers through the same code as notifications.
 *
 * Every instance runs both: a pass claims a batch of due orders for itself in one conditional
 * update (`claimed_by`, `claim_until`; SKIP LOCKED on PostgreSQL), so instances share the work
 * and no order is worked on by two passes, or by the sync and the sweep, at once. Within a pass
 * at most PAYMENT_SYNC_CONCURRENCY orders are at their channel at a time. The claim outlives
 * the worst case of the batch (every call taking CHANNEL_TIMEOUT_MS); an instance that dies
 * leaves claims that run out, and the orders are taken again. Every change is still a
 * conditional update, so a pass that outlived its claim is harmless.
 */
@Injectable()
export class PaymentSync {
  private readonly logger = new Logger(PaymentSync.name);
  private claimSeq = 0;

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
    private readonly leases: JobLeaseService,
  ) {}

  /** Orders claimed per pass. */
  get batchSize(): number {
    return this.config.env.PAYMENT_SYNC_CONCURRENCY * ROUNDS_PER_BATCH;
  }

  /** One pass of the status sync; returns how many orders and refunds were asked about. */
  async syncDue(): Promise<number> {
    const orders = await this.syncOrdersDue();
    return orders.claimed + (await this.syncRefundsDue());
  }

  /** One pass of the status sync over orders: one claimed batch. */
  async syncOrdersDue(): Promise<SyncPass> {
    return this.pass(
      (em, claim) => this.orders.claimForSync(em, claim),
      (order) => this.syncOrder(order),
    );
  }

  /** One pass of the status sync over refunds; returns how many were asked about. */
  async syncRefundsDue(): Promise<number> {
    const refunds = await this.db.run((em) =>
      this.refunds.dueForSync(em, Date.now(), REFUND_BATCH),
    );
    for (const refund of refunds)
      await this.guard(refund.refundId, () => this.refundsService.syncRefund(refund));
    return refunds.length;
  }

  /** One pass of the expiry sweep; returns how many orders it looked at. */
  async expireDue(): Promise<number> {
    return (await this.expireBatch()).claimed;
  }

  /**
   * One pass of the expiry sweep: one claimed batch. The channels are asked order by order;
   * the orders they let close are closed together, CLOSE_CHUNK to a transaction.
   */
  async expireBatch(): Promise<SyncPass> {
    const toClose: string[] = [];
    const pass = await this.pass(
      (em, claim) => this.orders.claimForExpiry(em, claim),
      async (order, token) => {
        if (await this.channelsLetClose(order, token)) toClose.push(order.orderId);
      },
    );
    for (let i = 0; i < toClose.length; i += CLOSE_CHUNK)
      await this.closeAll(toClose.slice(i, i + CLOSE_CHUNK));
    return pass;
  }

  /** Closes the orders in one transaction; if that fails, each alone, so one cannot stop the rest. */
  private async closeAll(orderIds: string[]): Promise<void> {
    try {
      await this.db.transaction((em) => this.transitions.closeMany(em, orderIds, Date.now()));
    } catch (error) {
      this.logger.warn(
        { err: error, orders: orderIds.length },
        'closing a batch failed; one by one',
      );
      for (const orderId of orderIds)
        await this.guard(orderId, () =>
          this.db.transaction((em) => this.transitions.close(em, orderId, Date.now())),
        );
    }
  }

  private async pass(
    claimBatch: (em: EntityManager, claim: OrderClaim) => Promise<OrderEntity[]>,
    work: (order: OrderEntity, token: string) => Promise<void>,
  ): Promise<SyncPass> {
    const concurrency = this.config.env.PAYMENT_SYNC_CONCURRENCY;
    const limit = this.batchSize;
    const token = `${this.leases.owner}/${++this.claimSeq}`;
    // two provider calls per order at worst (query, then close), each bounded by the timeout
    const leaseMs = ROUNDS_PER_BATCH * (2 * this.config.env.CHANNEL_TIMEOUT_MS + ORDER_MARGIN_MS);
    const orders = await this.db.run((em) =>
      claimBatch(em, { token, now: Date.now(), leaseMs, limit }),
    );
    await forEachConcurrently(orders, concurrency, (order) =>
      this.guard(order.orderId, () => work(order, token)),
    );
    return { claimed: orders.length, full: orders.length >= limit };
  }

  /** Asks the order's channels; scheduling the next query also ends the pass's claim. */
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
    if (!(await this.channelsLetClose(order))) return;
    await this.db.transaction((em) => this.transitions.close(em, order.orderId, Date.now()));
  }

  /**
   * Closes the order's trades at its channels (each asked first). False when the order must
   * not be closed now: a channel reported it paid or failed (applied instead), or did not
   * answer (the claim `token`, if any, is held a little so a later sweep asks again).
   */
  private async channelsLetClose(order: OrderEntity, token?: string): Promise<boolean> {
    const channels = await this.db.run((em) => this.attempts.channelsToAsk(em, order));
    for (const channelId of channels) {
      let report: PaymentStatusReport;
      try {
        report = await this.channels.queryPayment(channelId, order.orderId, order.channelTradeNo);
        if (report.status === 'PENDING' || report.status === 'NOT_FOUND') {
          report = await this.channels.closePayment(channelId, order.orderId, order.channelTradeNo);
        }
      } catch (error) {
        // the channel did not answer: leave the order for a later sweep rather than guess
        if (error instanceof ProviderError) {
          await this.retryLater(order, token);
          return false;
        }
        throw error;
      }
      if (report.status === 'SUCCEEDED' || report.status === 'FAILED') {
        const applied = await this.reports.applyPaymentReport(channelId, order.orderId, report);
        if (applied?.status !== 'PENDING') return false;
      }
    }
    return true;
  }

  private async scheduleNext(order: OrderEntity): Promise<void> {
    const now = Date.now();
    const next =
      this.config.env.STATUS_SYNC_SCHEDULE.map((s) => order.createdAt + s * 1000).find(
        (t) => t > now,
      ) ?? null;
    await this.db.run((em) => this.orders.setNextSync(em, order.orderId, next));
  }

  /** Holds the claim a little longer, so the next batch does not ask the same channel at once. */
  private async retryLater(order: OrderEntity, token: string | undefined): Promise<void> {
    if (token === undefined) return;
    await this.db.run((em) => this.orders.holdClaim(em, order.orderId, token, RETRY_AFTER_MS));
  }

  private async guard(id: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ err: error, id }, 'sync of one order failed; the others go on');
    }
  }
}
