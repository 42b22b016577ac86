import { Injectable, Logger } from '@nestjs/common';
import { settlementDate } from '../common/time';
import { AppConfig } from '../config/app-config';
import { ChannelAttemptError, ChannelGateway, VerifiedNotification } from './channel-gateway';
import { ChannelRuntime, RuntimeChannel } from './channel-runtime.service';
import { ChannelError } from './channels.errors';
import { admission, circuitState } from './health/circuit-breaker';
import { ChannelHealthService } from './health/channel-health.service';
import { ChannelOperation, OperationCircuits } from './health/operation-circuits';
import { MetricsService } from '../ops/metrics.service';
import { Counter, Gauge } from 'prom-client';
import {
  CreatePaymentRequest,
  CreatePaymentResult,
  InboundNotification,
  NotificationRejectedError,
  PaymentStatusReport,
  ProviderError,
  RefundRequest,
  RefundStatusReport,
  StatementLine,
  WalletProduct,
} from './providers/payment-provider.port';
import { RouteCandidate, RouteDecision, RouteRequest } from './routing/route.types';
import { routeOrder } from './routing/router';

/**
 * The channels module as payments and clearing see it. Routing and payment creation at an
 * unlimited, healthy channel touch no database; see ChannelHealthService for what is written
 * when.
 */
@Injectable()
export class ChannelGatewayService extends ChannelGateway {
  private readonly logger = new Logger(ChannelGatewayService.name);
  private readonly timeoutMs: number;
  private readonly timeZone: string;
  private readonly circuits: OperationCircuits;
  private readonly calls: Counter<'channel' | 'operation' | 'outcome'>;
  /** Channel codes by id, for the circuit gauge (ids are not what an operator reads). */
  private readonly codes = new Map<string, string>();

  constructor(
    private readonly runtime: ChannelRuntime,
    private readonly health: ChannelHealthService,
    config: AppConfig,
    metrics: MetricsService,
  ) {
    super();
    this.timeoutMs = config.env.CHANNEL_TIMEOUT_MS;
    this.timeZone = config.env.SETTLEMENT_TZ;
    this.circuits = new OperationCircuits(config.env.CIRCUIT_OPEN_SECONDS * 1000);
    this.calls = new Counter({
      name: 'paygate_channel_calls_total',
      help: 'Provider calls by channel, operation (create, query, close, refund, statement, payer) and outcome (ok, rejected, timeout, unavailable, circuit_open)',
      labelNames: ['channel', 'operation', 'outcome'],
      registers: [metrics.registry],
    });
    const openCircuits = () => this.openCircuits();
    new Gauge({
      name: 'paygate_channel_circuit_open',
      help: 'Circuits not closed, by channel and operation: 1 open, 0.5 half open (create is shared by all instances; the others are this instance’s)',
      labelNames: ['channel', 'operation'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const c of openCircuits()) {
          this.set({ channel: c.channel, operation: c.operation }, c.state === 'open' ? 1 : 0.5);
        }
      },
    });
  }

  async route(request: RouteRequest): Promise<RouteDecision> {
    const channels = await this.runtime.liveChannels();
    const now = Date.now();
    return routeOrder({
      request,
      channels: channels.map((c) => c.snapshot),
      health: this.health.allCircuits(),
      volumes: this.health.volumesOn(settlementDate(now, this.timeZone)),
      now,
      random: Math.random,
    });
  }

  async createPayment(
    candidate: RouteCandidate,
    request: CreatePaymentRequest,
    date: string,
  ): Promise<CreatePaymentResult> {
    const channel = this.runtime.liveById(candidate.channelId);
    if (!channel) {
      throw new ChannelAttemptError('rejected', `channel ${candidate.code} is no longer live`);
    }
    const id = channel.row.id;
    const now = Date.now();
    const entry = admission(this.health.circuitOf(id), now);
    if (entry === 'refuse' || (entry === 'trial' && !(await this.health.claimTrial(id, now)))) {
      this.calls.inc({ channel: channel.row.code, operation: 'create', outcome: 'circuit_open' });
      throw new ChannelAttemptError('circuit_open', `the circuit of ${channel.row.code} is open`);
    }
    const limit = channel.snapshot.dailyLimit;
    const volume = {
      channelId: id,
      settlementDate: date,
      currency: request.currency,
      amount: request.amount,
    };
    if (limit !== null && !(await this.health.reserve(volume, limit))) {
      if (entry === 'trial') await this.quietly(this.health.releaseTrial(id, Date.now()));
      throw new ChannelAttemptError(
        'daily_limit',
        `${channel.row.code} would pass its daily limit`,
      );
    }
    try {
      const result = await this.call(channel, 'create', (a, c) => a.createPayment(c, request));
      await this.quietly(
        this.health.recordSuccess(id, date, limit === null ? volume : null, Date.now()),
      );
      return result;
    } catch (error) {
      const failure = error as ProviderError;
      if (limit !== null) await this.quietly(this.health.release(volume));
      if (failure.kind === 'rejected') {
        // the provider refused this request: it says nothing about the channel's health
        if (entry === 'trial') await this.quietly(this.health.releaseTrial(id, Date.now()));
      } else {
        await this.quietly(this.health.recordFailure(id, date, Date.now()));
      }
      throw new ChannelAttemptError(failure.kind, failure.message, failure.providerCode);
    }
  }

  async queryPayment(
    channelId: string,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, 'query', (a, c) => a.queryPayment(c, orderId, channelTradeNo));
  }

  async closePayment(
    channelId: string,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, 'close', (a, c) => a.closePayment(c, orderId, channelTradeNo));
  }

  async refund(channelId: string, request: RefundRequest): Promise<RefundStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, 'refund', (a, c) => a.refund(c, request));
  }

  async queryRefund(channelId: string, request: RefundRequest): Promise<RefundStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, 'query', (a, c) => a.queryRefund(c, request));
  }

  async verifyNotification(
    code: string,
    notification: InboundNotification,
  ): Promise<VerifiedNotification> {
    let rejection: NotificationRejectedError | undefined;
    for await (const channel of this.runtime.channelsOfCode(code)) {
      try {
        const parsed = await channel.adapter.parseNotification(channel.context, notification);
        return { channelId: channel.row.id, code, parsed };
      } catch (error) {
        if (!(error instanceof NotificationRejectedError)) throw error;
        rejection ??= error;
      }
    }
    throw rejection ?? ChannelError.channelNotFound();
  }

  /** Every channel that has had the code (live and deleted) contributes its statement. */
  async fetchStatement(code: string, date: string): Promise<StatementLine[]> {
    const lines: StatementLine[] = [];
    let found = false;
    for await (const channel of this.runtime.channelsOfCode(code)) {
      found = true;
      lines.push(...(await this.call(channel, 'statement', (a, c) => a.fetchStatement(c, date))));
    }
    if (!found) throw ChannelError.channelNotFound();
    return lines;
  }

  walletProducts(channelId: string): WalletProduct[] {
    const channel = this.runtime.liveById(channelId);
    return channel ? channel.adapter.walletProducts(channel.context) : [];
  }

  payerAuthorizationUrl(channelId: string, redirectUri: string, state: string): string {
    const channel = this.runtime.liveById(channelId);
    if (!channel) throw ChannelError.channelNotFound();
    return channel.adapter.payerAuthorizationUrl(channel.context, redirectUri, state);
  }

  async resolvePayer(channelId: string, code: string): Promise<string> {
    const channel = this.runtime.liveById(channelId);
    if (!channel) throw ChannelError.channelNotFound();
    return this.call(channel, 'payer', (a, c) => a.resolvePayer(c, code));
  }

  async describe(
    channelId: string,
  ): Promise<{ code: string; provider: string; feeRateBps: number; fixedFee: number } | null> {
    const channel = await this.runtime.byId(channelId);
    if (!channel) return null;
    const { code, provider, feeRateBps, fixedFee } = channel.row;
    return { code, provider, feeRateBps, fixedFee };
  }

  private async channel(channelId: string): Promise<RuntimeChannel> {
    const channel = await this.runtime.byId(channelId);
    if (!channel) throw ChannelError.channelNotFound();
    return channel;
  }

  /**
   * One provider call within CHANNEL_TIMEOUT_MS, counted by operation. Anything the adapter
   * throws that is not a ProviderError (a bug, a network library's error) counts as the
   * provider being unavailable. Operations other than `create` (whose shared circuit
   * createPayment keeps) pass their own circuit: while it is open they fail fast, as
   * `unavailable`, without calling the provider.
   */
  private async call<T>(
    channel: RuntimeChannel,
    operation: ChannelOperation,
    work: (adapter: RuntimeChannel['adapter'], context: RuntimeChannel['context']) => Promise<T>,
  ): Promise<T> {
    const id = channel.row.id;
    const labels = { channel: channel.row.code, operation };
    this.codes.set(id, channel.row.code);
    if (operation !== 'create' && !this.circuits.admit(id, operation, Date.now())) {
      this.calls.inc({ ...labels, outcome: 'circuit_open' });
      throw new ProviderError(
        'unavailable',
        `the ${operation} circuit of ${channel.row.code} is open after repeated failures`,
      );
    }
    try {
      const result = await this.timed(channel, work);
      this.calls.inc({ ...labels, outcome: 'ok' });
      if (operation !== 'create') this.circuits.succeeded(id, operation);
      return result;
    } catch (error) {
      const kind = (error as ProviderError).kind;
      this.calls.inc({ ...labels, outcome: kind });
      // a refusal of this request says nothing about the provider's health
      if (operation !== 'create' && kind !== 'rejected') {
        this.circuits.failed(id, operation, Date.now());
      } else if (operation !== 'create') {
        this.circuits.succeeded(id, operation);
      }
      throw error;
    }
  }

  /** Circuits not closed, create's (shared) and the others (this instance's), by channel code. */
  private openCircuits(): { channel: string; operation: string; state: string }[] {
    const now = Date.now();
    const out: { channel: string; operation: string; state: string }[] = this.circuits
      .notClosed(now)
      .map((c) => ({
        channel: this.codes.get(c.channelId) ?? c.channelId,
        operation: c.operation,
        state: c.state,
      }));
    for (const [id, row] of this.health.allCircuits()) {
      const state = circuitState(row, now);
      if (state !== 'closed') {
        out.push({ channel: this.codes.get(id) ?? id, operation: 'create', state });
      }
    }
    return out;
  }

  private async timed<T>(
    channel: RuntimeChannel,
    work: (adapter: RuntimeChannel['adapter'], context: RuntimeChannel['context']) => Promise<T>,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new ProviderError('timeout', `no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([work(channel.adapter, channel.context), timeout]);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      this.logger.error({ err: error, channel: channel.row.code }, 'provider adapter failed');
      throw new ProviderError('unavailable', 'the provider adapter failed');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Health bookkeeping must never turn a provider's answer into an error. */
  private async quietly(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      this.logger.error({ err: error }, 'channel health could not be recorded');
    }
  }
}
