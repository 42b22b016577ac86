import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { ChannelAttemptError, ChannelGateway } from '../channels/channel-gateway';
import { ProviderError } from '../channels/providers/payment-provider.port';
import { RouteCandidate, RouteDecision } from '../channels/routing/route.types';
import { HttpResult, withStatus } from '../common/http/envelope';
import { IdempotencyConflict, IdempotencyHandle } from '../common/idempotency/idempotency-handle';
import { IdempotencyContext } from '../common/idempotency/idempotent.decorator';
import { newId } from '../common/ids';
import { channelFee } from '../common/money/money';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { parseTimestamp, settlementDate } from '../common/time';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import { AttemptsRepository } from './attempts.repository';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { OrderDto, OrderPageDto } from './dto/order.dto';
import { QueryPaymentsDto } from './dto/query-payments.dto';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { OrderEntity } from './entities/order.entity';
import { toOrderDto, toRoutingTrace } from './order.mapper';
import { OrderCreationRepository } from './order-creation.repository';
import { OrderTransitions } from './order-transitions.service';
import { OrdersRepository } from './orders.repository';
import { PaymentError } from './payments.errors';
import { PaymentReports } from './payment-reports.service';

/** At most this many channels are tried for one order. */
const MAX_ATTEMPTS = 3;
const DEFAULT_EXPIRE_SECONDS = 1800;

/**
 * 订单创建, 订单查询 and close. The provider is never called inside a database transaction: the
 * order and the attempt are recorded first, then the channel is called, then the outcome is
 * recorded — so a crash at any point leaves a record of what was tried.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrdersRepository,
    private readonly creation: OrderCreationRepository,
    private readonly attempts: AttemptsRepository,
    private readonly transitions: OrderTransitions,
    private readonly reports: PaymentReports,
    private readonly channels: ChannelGateway,
    private readonly config: AppConfig,
  ) {}

  async createPayment(
    principal: Principal,
    dto: CreatePaymentDto,
    idempotency: IdempotencyContext,
  ): Promise<OrderDto | HttpResult<OrderDto>> {
    if (principal.sourceId === null || dto.source_id !== principal.sourceId)
      throw PaymentError.sourceIdMismatch(dto.source_id);
    const sourceId = principal.sourceId;
    if (idempotency.key && idempotency.recovering) {
      const earlier = await this.db.run((em) =>
        this.orders.findByIdempotencyKey(em, sourceId, idempotency.key!),
      );
      if (earlier) return this.finishCreation(earlier, idempotency.handle);
    }
    const currency = dto.currency ?? 'CNY';
    const decision = await this.channels.route({
      amount: dto.amount,
      currency,
      sourceId,
      channelCode: dto.channel,
    });
    if (decision.candidates.length === 0)
      throw PaymentError.noChannelAvailable(describeExclusions(decision));

    const now = Date.now();
    const order: OrderEntity = {
      orderId: newId('ord'),
      sourceId,
      merchantOrderNo: dto.merchant_order_no ?? null,
      idempotencyKey: idempotency.key ?? null,
      productId: dto.product_id,
      productName: dto.product_name,
      amount: dto.amount,
      currency,
      status: 'PENDING',
      channelId: null,
      channelCode: null,
      requestedChannel: dto.channel ?? null,
      channelTradeNo: null,
      payUrl: null,
      externalExt: dto.external_ext ?? null,
      memo: dto.memo ?? null,
      refundedAmount: 0,
      refundReservedAmount: 0,
      feeAmount: 0,
      feeRefundedAmount: 0,
      latePayment: false,
      routing: JSON.stringify({
        candidates: decision.candidates.map((c) => ({
          code: c.code,
          priority: c.priority,
          weight: c.weight,
          probability: c.probability,
          channel_id: c.channelId,
        })),
        excluded: decision.excluded,
      }),
      expiresAt: now + (dto.expire_seconds ?? DEFAULT_EXPIRE_SECONDS) * 1000,
      paidAt: null,
      closedAt: null,
      nextSyncAt: this.firstSyncAt(now),
      createdAt: now,
      updatedAt: now,
    };
    const first = decision.candidates[0];
    try {
      // the key's claim commits with the order, or neither does
      const claim = idempotency.handle?.pendingClaim;
      const recorded = await this.creation.recordNewOrder(
        this.db,
        order,
        attemptEvent(order.orderId, 1, first, 'started', now),
        claim,
      );
      if (!recorded) throw new IdempotencyConflict();
      if (claim) idempotency.handle!.claimed = true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.existingForDuplicate(sourceId, dto, idempotency);
    }
    return this.tryChannels(
      order,
      decision.candidates.slice(0, MAX_ATTEMPTS),
      1,
      idempotency.handle,
    );
  }

  async queryPayments(
    principal: Principal,
    query: QueryPaymentsDto,
  ): Promise<OrderDto | OrderPageDto> {
    if (query.order_id !== undefined) return this.getPayment(principal, query.order_id);
    if (query.merchant_order_no !== undefined) {
      const sourceId = principal.sourceId;
      const order =
        sourceId === null
          ? null
          : await this.db.run((em) =>
              this.orders.findByMerchantOrderNo(em, sourceId, query.merchant_order_no!),
            );
      if (!order) throw PaymentError.orderNotFound();
      return this.present(principal, order);
    }
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.orders.list(em, {
        sourceId: principal.role === 'admin' ? undefined : (principal.sourceId ?? -1),
        status: query.status,
        channelCode: query.channel,
        createdFrom: query.created_from ? parseTimestamp(query.created_from) : undefined,
        createdTo: query.created_to ? parseTimestamp(query.created_to) : undefined,
        beforeOrderId: before,
        limit,
      }),
    );
    return toPage(
      rows,
      limit,
      (o) => o.orderId,
      (o) => toOrderDto(o),
    );
  }

  async getPayment(principal: Principal, orderId: string): Promise<OrderDto> {
    return this.present(principal, await this.readable(principal, orderId));
  }

  /** Closes a PENDING order, asking the channel first: an order the payer already paid is never closed. */
  async closePayment(principal: Principal, orderId: string): Promise<OrderDto> {
    const order = await this.readable(principal, orderId);
    if (order.status !== 'PENDING') throw PaymentError.invalidState('order', order.status);
    if (order.channelId) {
      let report;
      try {
        report = await this.channels.closePayment(
          order.channelId,
          order.orderId,
          order.channelTradeNo,
        );
      } catch (error) {
        if (error instanceof ProviderError) throw PaymentError.channelUnavailable();
        throw error;
      }
      if (report.status === 'SUCCEEDED') {
        const paid = await this.reports.applyPaymentReport(order.channelId, order.orderId, report);
        throw PaymentError.invalidState('order', paid?.status ?? 'SUCCEEDED');
      }
    }
    const closed = await this.db.transaction((em) =>
      this.transitions.close(em, orderId, Date.now()),
    );
    if (!closed) {
      const current = await this.readable(principal, orderId);
      throw PaymentError.invalidState('order', current.status);
    }
    return toOrderDto(closed);
  }

  /** The order if this caller may see it: admins all, a merchant only its own (else 404). */
  async readable(principal: Principal, orderId: string): Promise<OrderEntity> {
    const order = await this.db.run((em) => this.orders.findById(em, orderId));
    if (!order || (principal.role !== 'admin' && order.sourceId !== principal.sourceId))
      throw PaymentError.orderNotFound();
    return order;
  }

  /**
   * Tries the candidates in order from `fromSeq`: each attempt is recorded as started before the
   * call (the first one together with the order), and its outcome after. The first success
   * records the channel, its trade number and pay_url on the order; if every candidate fails the
   * order is FAILED. Returns the response: the order as the stored response shows it.
   */
  private async tryChannels(
    order: OrderEntity,
    candidates: RouteCandidate[],
    fromSeq: number,
    idempotency?: IdempotencyHandle,
  ): Promise<OrderDto> {
    const date = settlementDate(order.createdAt, this.config.env.SETTLEMENT_TZ);
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i];
      const seq = fromSeq + i;
      if (i > 0)
        await this.db.run((em) =>
          this.attempts.insert(
            em,
            attemptEvent(order.orderId, seq, candidate, 'started', Date.now()),
          ),
        );
      const started = Date.now();
      try {
        const created = await this.channels.createPayment(
          candidate,
          {
            orderId: order.orderId,
            amount: order.amount,
            currency: order.currency,
            subject: order.productName,
            productId: order.productId,
            description: order.memo,
            expiresAt: order.expiresAt,
          },
          date,
        );
        const finished = Date.now();
        // the response is stored with the outcome it describes, in the same write; the client
        // gets the very object stored (see IdempotencyHandle.storedJsonFor)
        let stored: OrderDto | undefined;
        const updated = await this.creation.recordChannelSuccess(
          this.db,
          order,
          {
            channelId: candidate.channelId,
            channelCode: candidate.code,
            channelTradeNo: created.channelTradeNo,
            payUrl: created.payUrl,
            feeAmount: channelFee(order.amount, candidate.feeRateBps, candidate.fixedFee),
          },
          {
            ...attemptEvent(order.orderId, seq, candidate, 'succeeded', finished),
            latencyMs: finished - started,
          },
          finished,
          idempotency && {
            claim: idempotency.claim,
            status: 201,
            body: (o) => idempotency.storedResponse((stored = toOrderDto(o))),
          },
        );
        if (updated) {
          if (idempotency) idempotency.completed = true;
          return stored ?? toOrderDto(updated);
        }
        return toOrderDto(
          (await this.db.run((em) => this.orders.findById(em, order.orderId))) ?? order,
        );
      } catch (error) {
        if (!(error instanceof ChannelAttemptError)) throw error;
        const finished = Date.now();
        await this.db.run((em) =>
          this.attempts.insert(em, {
            ...attemptEvent(order.orderId, seq, candidate, 'failed', finished),
            failureReason: error.reason,
            message: error.message.slice(0, 512),
            latencyMs: finished - started,
          }),
        );
      }
    }
    return this.db.transaction(async (em) => {
      const failed = await this.transitions.fail(em, order.orderId, Date.now());
      const result = failed ?? (await this.orders.findById(em, order.orderId)) ?? order;
      const response = toOrderDto(result);
      await idempotency?.completeWithin(em, 201, response);
      return response;
    });
  }

  /**
   * A retry that took over from a request that died: if the order never got a channel, the
   * candidates not yet known to have failed are tried again (providers treat a repeated
   * out_trade_no as the same trade); otherwise the order is returned as it is.
   */
  private async finishCreation(
    order: OrderEntity,
    idempotency?: IdempotencyHandle,
  ): Promise<OrderDto> {
    if (order.status !== 'PENDING' || order.channelId !== null) return toOrderDto(order);
    const events = await this.db.run((em) => this.attempts.listByOrder(em, order.orderId));
    const trace = toRoutingTrace(order, events);
    const failed = new Set(
      trace.attempts.filter((a) => a.outcome === 'failed').map((a) => a.channel),
    );
    const decision = JSON.parse(order.routing) as {
      candidates: { code: string; channel_id: string }[];
    };
    const fresh = await this.channels.route({
      amount: order.amount,
      currency: order.currency,
      sourceId: order.sourceId,
      channelCode: order.requestedChannel ?? undefined,
    });
    const byCode = new Map(fresh.candidates.map((c) => [c.code, c]));
    const remaining = decision.candidates
      .filter((c) => !failed.has(c.code))
      .map((c) => byCode.get(c.code))
      .filter((c): c is RouteCandidate => c !== undefined)
      .slice(0, Math.max(0, MAX_ATTEMPTS - failed.size));
    return this.tryChannels(order, remaining, trace.attempts.length + 1, idempotency);
  }

  /** The insert hit a unique key: the same merchant_order_no, or the same Idempotency-Key. */
  private async existingForDuplicate(
    sourceId: number,
    dto: CreatePaymentDto,
    idempotency: IdempotencyContext,
  ): Promise<OrderDto | HttpResult<OrderDto>> {
    const key = idempotency.key;
    const byKey = key
      ? await this.db.run((em) => this.orders.findByIdempotencyKey(em, sourceId, key))
      : null;
    if (byKey) return this.finishCreation(byKey, idempotency.handle);
    const existing = dto.merchant_order_no
      ? await this.db.run((em) =>
          this.orders.findByMerchantOrderNo(em, sourceId, dto.merchant_order_no!),
        )
      : null;
    if (!existing) throw new Error('unique violation on orders without a matching order');
    if (!sameRequest(existing, dto))
      throw PaymentError.duplicateMerchantOrderNo(dto.merchant_order_no!);
    return withStatus(200, toOrderDto(existing));
  }

  private async present(principal: Principal, order: OrderEntity): Promise<OrderDto> {
    if (principal.role !== 'admin') return toOrderDto(order);
    const events = await this.db.run((em: EntityManager) =>
      this.attempts.listByOrder(em, order.orderId),
    );
    return toOrderDto(order, toRoutingTrace(order, events));
  }

  private firstSyncAt(now: number): number | null {
    const first = this.config.env.STATUS_SYNC_SCHEDULE[0];
    return first === undefined ? null : now + first * 1000;
  }
}

function attemptEvent(
  orderId: string,
  seq: number,
  candidate: RouteCandidate,
  event: PaymentAttemptEntity['event'],
  at: number,
): PaymentAttemptEntity {
  return {
    id: newId('att'),
    orderId,
    seq,
    event,
    channelId: candidate.channelId,
    channelCode: candidate.code,
    failureReason: null,
    message: null,
    latencyMs: null,
    createdAt: at,
  };
}

/** Does a repeated merchant_order_no describe the same order? */
function sameRequest(order: OrderEntity, dto: CreatePaymentDto): boolean {
  return (
    order.productId === dto.product_id &&
    order.productName === dto.product_name &&
    order.amount === dto.amount &&
    order.currency === (dto.currency ?? 'CNY') &&
    order.externalExt === (dto.external_ext ?? null) &&
    order.memo === (dto.memo ?? null) &&
    order.requestedChannel === (dto.channel ?? null)
  );
}

function describeExclusions(decision: RouteDecision): string {
  if (decision.excluded.length === 0) return 'no channel is configured';
  return decision.excluded.map((e) => `${e.code} (${e.reason})`).join(', ');
}
