import { Injectable, Logger } from '@nestjs/common';
import { settlementDate } from '../common/time';
import { AppConfig } from '../config/app-config';
import { ChannelAttemptError, ChannelGateway, VerifiedNotification } from './channel-gateway';
import { ChannelRuntime, RuntimeChannel } from './channel-runtime.service';
import { ChannelError } from './channels.errors';
import { admission } from './health/circuit-breaker';
import { ChannelHealthService } from './health/channel-health.service';
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

  constructor(
    private readonly runtime: ChannelRuntime,
    private readonly health: ChannelHealthService,
    config: AppConfig,
  ) {
    super();
    this.timeoutMs = config.env.CHANNEL_TIMEOUT_MS;
    this.timeZone = config.env.SETTLEMENT_TZ;
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
      const result = await this.call(channel, (a, c) => a.createPayment(c, request));
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
    return this.call(channel, (a, c) => a.queryPayment(c, orderId, channelTradeNo));
  }

  async closePayment(
    channelId: string,
    orderId: string,
    channelTradeNo: string | null,
  ): Promise<PaymentStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, (a, c) => a.closePayment(c, orderId, channelTradeNo));
  }

  async refund(channelId: string, request: RefundRequest): Promise<RefundStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, (a, c) => a.refund(c, request));
  }

  async queryRefund(channelId: string, request: RefundRequest): Promise<RefundStatusReport> {
    const channel = await this.channel(channelId);
    return this.call(channel, (a, c) => a.queryRefund(c, request));
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
      lines.push(...(await this.call(channel, (a, c) => a.fetchStatement(c, date))));
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
    return this.call(channel, (a, c) => a.resolvePayer(c, code));
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
   * One provider call within CHANNEL_TIMEOUT_MS. Anything the adapter throws that is not a
   * ProviderError (a bug, a network library's error) counts as the provider being unavailable.
   */
  private async call<T>(
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
