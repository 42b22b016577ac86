import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { ChannelAttemptError, ChannelGateway } from '../channels/channel-gateway';
import {
  CheckoutRequest,
  CreatePaymentResult,
  ProviderError,
} from '../channels/providers/payment-provider.port';
import { CashierLinks } from '../cashier/cashier-links';
import { SsrfGuard, UrlRefusedError } from '../common/net/ssrf-guard';
import { RouteCandidate, RouteDecision } from '../channels/routing/route.types';
import { AppError } from '../common/errors/app-error';
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
import { OrderFilterDto, OrderSearchPageDto, SearchPaymentsDto } from './dto/search-payments.dto';
import { ORDERS_CSV } from './orders-csv';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { OrderEntity } from './entities/order.entity';
import { toOrderDto, toRoutingTrace } from './order.mapper';
import { OrderCreationRepository } from './order-creation.repository';
import { OrderTransitions } from './order-transitions.service';
import { OrderSearch, OrdersRepository } from './orders.repository';
import { PaymentError } from './payments.errors';
import { PaymentReports } from './payment-reports.service';
import { CASHIER_CHANNEL } from './order-state';

/** What an order is made of, from an API request or a static code's page. */
export interface NewOrderInput {
  productId: string;
  productName: string;
  amount: number;
  currency: string;
  merchantOrderNo: string | null;
  externalExt: string | null;
  memo: string | null;
  /** A channel code forced by the merchant, `cashier`, or null for routing to choose. */
  channel: string | null;
  expireSeconds?: number;
  returnUrl: string | null;
  qrCodeId: string | null;
}

/** A search counts matching orders exactly up to this many; past it, an estimate. */
export const EXACT_COUNT_LIMIT = 10_000;
/** Orders read per query while streaming an export. */
const EXPORT_PAGE = 500;

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
    private readonly links: CashierLinks,
    private readonly config: AppConfig,
  ) {
    this.urlGuard = new SsrfGuard(config.env.WEBHOOK_ALLOW_PRIVATE);
  }

  private readonly urlGuard: SsrfGuard;

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
    const input: NewOrderInput = {
      productId: dto.product_id,
      productName: dto.product_name,
      amount: dto.amount,
      currency: dto.currency ?? 'CNY',
      merchantOrderNo: dto.merchant_order_no ?? null,
      externalExt: dto.external_ext ?? null,
      memo: dto.memo ?? null,
      channel: dto.channel ?? null,
      expireSeconds: dto.expire_seconds,
      returnUrl: dto.return_url === undefined ? null : this.checkReturnUrl(dto.return_url),
      qrCodeId: null,
    };
    const { order, decision } = await this.routedOrder(sourceId, input, idempotency.key);
    try {
      if (input.channel === CASHIER_CHANNEL) {
        return await this.recordCashierOrder(order, idempotency.handle);
      }
      // the key's claim commits with the order, or neither does
      const claim = idempotency.handle?.pendingClaim;
      const recorded = await this.creation.recordNewOrder(
        this.db,
        order,
        attemptEvent(order.orderId, 1, decision.candidates[0], 'started', order.createdAt),
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

  /**
   * A cashier order made for a merchant without an API call: the payer scanned the merchant's
   * static code and typed the amount. Routing must allow some channel, as for any order.
   */
  async createCashierOrder(sourceId: number, input: NewOrderInput): Promise<OrderEntity> {
    const { order } = await this.routedOrder(sourceId, { ...input, channel: CASHIER_CHANNEL });
    await this.recordCashierOrder(order);
    return order;
  }

  /** Any order by id, for the payer's pages (which hold a link bound to it, not a token). */
  async findOrder(orderId: string): Promise<OrderEntity | null> {
    return this.db.run((em) => this.orders.findById(em, orderId));
  }

  /** The wallets' attempts so far, for showing a wallet's page again instead of a new trade. */
  async attemptsOf(orderId: string): Promise<PaymentAttemptEntity[]> {
    return this.db.run((em) => this.attempts.listByOrder(em, orderId));
  }

  /**
   * Starts a cashier order's payment for the wallet the payer chose, trying the candidates (in
   * routing's order, at most three) like any routed order: each attempt is recorded as started
   * (with the next sequence number, under the order's lock, only while the order is PENDING and
   * not expired) before the channel is called, and its outcome after. The order keeps no
   * channel until one of its attempts is paid. Null when every candidate failed.
   */
  async startCheckout(
    order: OrderEntity,
    candidates: RouteCandidate[],
    checkout: CheckoutRequest,
  ): Promise<{ candidate: RouteCandidate; created: CreatePaymentResult } | null> {
    const date = settlementDate(order.createdAt, this.config.env.SETTLEMENT_TZ);
    return this.attemptCandidates(
      order,
      candidates.slice(0, MAX_ATTEMPTS),
      date,
      checkout,
      (candidate, at) =>
        this.db.transaction(async (em) => {
          const current = await this.orders.findForUpdate(em, order.orderId);
          if (!current || current.status !== 'PENDING' || current.expiresAt <= at) {
            throw PaymentError.invalidState('order', current?.status ?? 'CLOSED');
          }
          const seq = (await this.attempts.lastSeq(em, order.orderId)) + 1;
          await this.attempts.insert(em, {
            ...attemptEvent(order.orderId, seq, candidate, 'started', at),
            product: checkout.product,
          });
          return seq;
        }),
      async (candidate, created, succeeded) => {
        await this.db.run((em) =>
          this.attempts.insert(em, {
            ...succeeded,
            product: checkout.product,
            payUrl: created.payUrl,
          }),
        );
        return { candidate, created };
      },
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

  /**
   * The console's order search: every filter, newest first, with the number of orders the
   * filter matches (exact up to EXACT_COUNT_LIMIT; past it PostgreSQL's planner estimate,
   * flagged as such, rather than counting millions of rows for every page).
   */
  async searchPayments(
    principal: Principal,
    query: SearchPaymentsDto,
  ): Promise<OrderSearchPageDto> {
    const search = this.searchOf(principal, query);
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const { rows, total, exact } = await this.db.run(async (em) => {
      const rows = await this.orders.search(
        em,
        search,
        before === undefined ? undefined : String(before),
        limit + 1,
      );
      if (this.db.engine === 'sqlite') {
        return { rows, total: await this.orders.countMatching(em, search), exact: true };
      }
      const capped = await this.orders.countMatching(em, search, EXACT_COUNT_LIMIT + 1);
      if (capped <= EXACT_COUNT_LIMIT) return { rows, total: capped, exact: true };
      const estimate = await this.orders.estimateMatching(em, search);
      return { rows, total: Math.max(estimate, capped), exact: false };
    });
    const page = toPage(
      rows,
      limit,
      (o) => o.orderId,
      (o) => toOrderDto(o),
    );
    return { ...page, total_count: total, total_exact: exact };
  }

  /**
   * Every order matching the filter, as CSV lines, newest first: read a page at a time by
   * keyset (each page its own short read), so memory stays bounded whatever the count.
   */
  exportPayments(principal: Principal, query: OrderFilterDto): AsyncIterable<string> {
    const search = this.searchOf(principal, query);
    const pages = async function* (this: PaymentsService): AsyncGenerator<OrderEntity> {
      let before: string | undefined;
      for (;;) {
        const rows = await this.db.run((em) => this.orders.search(em, search, before, EXPORT_PAGE));
        yield* rows;
        if (rows.length < EXPORT_PAGE) return;
        before = rows[rows.length - 1].orderId;
      }
    }.call(this);
    return ORDERS_CSV.lines(pages);
  }

  async getPayment(principal: Principal, orderId: string): Promise<OrderDto> {
    return this.present(principal, await this.readable(principal, orderId));
  }

  /** Closes a PENDING order, asking the channel first: an order the payer already paid is never closed. */
  async closePayment(principal: Principal, orderId: string): Promise<OrderDto> {
    const order = await this.readable(principal, orderId);
    if (order.status !== 'PENDING') throw PaymentError.invalidState('order', order.status);
    const channels = await this.db.run((em) => this.attempts.channelsToAsk(em, order));
    for (const channelId of channels) {
      let report;
      try {
        report = await this.channels.closePayment(channelId, order.orderId, order.channelTradeNo);
      } catch (error) {
        if (error instanceof ProviderError) throw PaymentError.channelUnavailable();
        throw error;
      }
      if (report.status === 'SUCCEEDED') {
        const paid = await this.reports.applyPaymentReport(channelId, order.orderId, report);
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

  /** A search scoped to the caller: operators every merchant or one, a merchant only itself. */
  private searchOf(principal: Principal, query: OrderFilterDto): OrderSearch {
    if (
      principal.role !== 'admin' &&
      query.source_id !== undefined &&
      query.source_id !== principal.sourceId
    ) {
      throw PaymentError.sourceIdMismatch(query.source_id);
    }
    const createdFrom = query.created_from ? Date.parse(query.created_from) : undefined;
    const createdTo = query.created_to ? Date.parse(query.created_to) : undefined;
    if (createdFrom !== undefined && createdTo !== undefined && createdTo <= createdFrom) {
      throw AppError.validation([
        { field: 'created_to', message: 'created_to must come after created_from' },
      ]);
    }
    if (
      query.amount_min !== undefined &&
      query.amount_max !== undefined &&
      query.amount_max < query.amount_min
    ) {
      throw AppError.validation([
        { field: 'amount_max', message: 'amount_max must not be below amount_min' },
      ]);
    }
    return {
      sourceId: principal.role === 'admin' ? query.source_id : (principal.sourceId ?? -1),
      status: query.status,
      channelCode: query.channel,
      createdFrom,
      createdTo,
      text: query.q,
      amountMin: query.amount_min,
      amountMax: query.amount_max,
      currency: query.currency,
    };
  }

  /** The order if this caller may see it: admins all, a merchant only its own (else 404). */
  async readable(principal: Principal, orderId: string): Promise<OrderEntity> {
    const order = await this.db.run((em) => this.orders.findById(em, orderId));
    if (!order || (principal.role !== 'admin' && order.sourceId !== principal.sourceId))
      throw PaymentError.orderNotFound();
    return order;
  }

  /**
   * Tries the candidates in order from `fromSeq` (the first attempt was recorded with the
   * order). The first success records the channel, its trade number and pay_url on the order;
   * if every candidate fails the order is FAILED. Returns the response: the order as the stored
   * response shows it.
   */
  private async tryChannels(
    order: OrderEntity,
    candidates: RouteCandidate[],
    fromSeq: number,
    idempotency?: IdempotencyHandle,
  ): Promise<OrderDto> {
    const date = settlementDate(order.createdAt, this.config.env.SETTLEMENT_TZ);
    const response = await this.attemptCandidates(
      order,
      candidates,
      date,
      undefined,
      async (candidate, at, index) => {
        const seq = fromSeq + index;
        if (index > 0)
          await this.db.run((em) =>
            this.attempts.insert(em, attemptEvent(order.orderId, seq, candidate, 'started', at)),
          );
        return seq;
      },
      async (candidate, created, succeeded) => {
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
          succeeded,
          succeeded.createdAt,
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
      },
    );
    if (response) return response;
    return this.db.transaction(async (em) => {
      const failed = await this.transitions.fail(em, order.orderId, Date.now());
      const result = failed ?? (await this.orders.findById(em, order.orderId)) ?? order;
      const response = toOrderDto(result);
      await idempotency?.completeWithin(em, 201, response);
      return response;
    });
  }

  /**
   * The one loop of provider attempts, for API orders and the cashier's wallets alike: for each
   * candidate, `start` records the attempt as started (and says its sequence number), the
   * channel is called outside any transaction, then a failure is recorded and the next
   * candidate tried, or `succeeded` records the success. Null when every candidate failed.
   */
  private async attemptCandidates<T>(
    order: OrderEntity,
    candidates: RouteCandidate[],
    date: string,
    checkout: CheckoutRequest | undefined,
    start: (candidate: RouteCandidate, at: number, index: number) => Promise<number>,
    succeeded: (
      candidate: RouteCandidate,
      created: CreatePaymentResult,
      attempt: PaymentAttemptEntity,
    ) => Promise<T>,
  ): Promise<T | null> {
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i];
      const seq = await start(candidate, Date.now(), i);
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
            ...(checkout ? { checkout } : {}),
          },
          date,
        );
        const finished = Date.now();
        return await succeeded(candidate, created, {
          ...attemptEvent(order.orderId, seq, candidate, 'succeeded', finished),
          latencyMs: finished - started,
        });
      } catch (error) {
        if (!(error instanceof ChannelAttemptError)) throw error;
        const finished = Date.now();
        await this.db.run((em) =>
          this.attempts.insert(em, {
            ...attemptEvent(order.orderId, seq, candidate, 'failed', finished),
            failureReason: error.reason,
            message: error.message.slice(0, 512),
            latencyMs: finished - started,
            product: checkout?.product ?? null,
          }),
        );
      }
    }
    return null;
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
    if (
      order.status !== 'PENDING' ||
      order.channelId !== null ||
      order.requestedChannel === CASHIER_CHANNEL
    )
      return toOrderDto(order);
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

  /** The order for `input`, routed: 422 when no channel may take it (the cashier's too). */
  private async routedOrder(
    sourceId: number,
    input: NewOrderInput,
    idempotencyKey?: string,
  ): Promise<{ order: OrderEntity; decision: RouteDecision }> {
    const cashier = input.channel === CASHIER_CHANNEL;
    const decision = await this.channels.route({
      amount: input.amount,
      currency: input.currency,
      sourceId,
      channelCode: cashier ? undefined : (input.channel ?? undefined),
    });
    if (decision.candidates.length === 0)
      throw PaymentError.noChannelAvailable(describeExclusions(decision));
    const now = Date.now();
    const order: OrderEntity = {
      orderId: newId('ord'),
      sourceId,
      merchantOrderNo: input.merchantOrderNo,
      idempotencyKey: idempotencyKey ?? null,
      productId: input.productId,
      productName: input.productName,
      amount: input.amount,
      currency: input.currency,
      status: 'PENDING',
      channelId: null,
      channelCode: null,
      requestedChannel: input.channel,
      channelTradeNo: null,
      payUrl: null,
      externalExt: input.externalExt,
      memo: input.memo,
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
      expiresAt: now + (input.expireSeconds ?? DEFAULT_EXPIRE_SECONDS) * 1000,
      paidAt: null,
      closedAt: null,
      nextSyncAt: this.firstSyncAt(now),
      createdAt: now,
      updatedAt: now,
      returnUrl: input.returnUrl,
      qrCodeId: input.qrCodeId,
    };
    if (cashier) order.payUrl = this.links.orderUrl(order.orderId, order.expiresAt);
    return { order, decision };
  }

  /** A cashier order: no provider is called, so the response is the order as recorded. */
  private async recordCashierOrder(
    order: OrderEntity,
    idempotency?: IdempotencyHandle,
  ): Promise<OrderDto> {
    const claim = idempotency?.pendingClaim;
    if (!(await this.creation.recordOrderWithoutAttempt(this.db, order, claim))) {
      throw new IdempotencyConflict();
    }
    if (claim) idempotency!.claimed = true;
    return toOrderDto(order);
  }

  private checkReturnUrl(url: string): string {
    try {
      return this.urlGuard.checkShape(url).url.toString();
    } catch (error) {
      if (error instanceof UrlRefusedError) throw PaymentError.invalidReturnUrl(error.message);
      throw error;
    }
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
    product: null,
    payUrl: null,
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
    order.requestedChannel === (dto.channel ?? null) &&
    (order.returnUrl === null) === (dto.return_url === undefined)
  );
}

function describeExclusions(decision: RouteDecision): string {
  if (decision.excluded.length === 0) return 'no channel is configured';
  return decision.excluded.map((e) => `${e.code} (${e.reason})`).join(', ');
}
