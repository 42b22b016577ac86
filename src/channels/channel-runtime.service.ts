import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { settlementDate } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { ChannelConfigCodec } from './channel-config';
import { ChannelsRepository } from './channels.repository';
import { ChannelEntity } from './entities/channel.entity';
import { ChannelHealthRepository } from './health/channel-health.repository';
import { ChannelHealthService } from './health/channel-health.service';
import { ChannelContext, PaymentProvider } from './providers/payment-provider.port';
import { ProviderRegistry } from './providers/provider-registry';
import { ChannelSnapshot } from './routing/router';

/** A channel ready to be called: its rules, its adapter and its decrypted context. */
export interface RuntimeChannel {
  row: ChannelEntity;
  snapshot: ChannelSnapshot;
  adapter: PaymentProvider;
  context: ChannelContext;
}

/** How often the snapshot is reloaded and counters flushed. */
const REFRESH_MS = 1000;
/** A snapshot older than this (timer stalled, database was down) is reloaded before use. */
const MAX_STALE_MS = 5000;

/**
 * This instance's snapshot of the live channels and their health, reloaded every second and
 * at once after a change made here, so routing and payment creation read memory only.
 * Deleted channels are immutable; they are loaded on demand (their orders are still queried,
 * refunded and reconciled) and kept.
 */
@Injectable()
export class ChannelRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChannelRuntime.name);
  private live = new Map<string, RuntimeChannel>();
  private liveByCode = new Map<string, RuntimeChannel>();
  private readonly retired = new Map<string, RuntimeChannel>();
  private loadedAt = 0;
  private loadSeq = 0;
  private appliedSeq = 0;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly channels: ChannelsRepository,
    private readonly healthRows: ChannelHealthRepository,
    private readonly health: ChannelHealthService,
    private readonly registry: ProviderRegistry,
    private readonly codec: ChannelConfigCodec,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, REFRESH_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.health
      .flush()
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'channel counters lost at shutdown'),
      );
  }

  /** The live channels, as of at most about a second ago. */
  async liveChannels(): Promise<RuntimeChannel[]> {
    if (Date.now() - this.loadedAt > MAX_STALE_MS) await this.refresh();
    return [...this.live.values()];
  }

  /** A live channel from the snapshot. */
  liveById(channelId: string): RuntimeChannel | undefined {
    return this.live.get(channelId);
  }

  /** Any channel, live or deleted. */
  async byId(channelId: string): Promise<RuntimeChannel | null> {
    const known = this.live.get(channelId) ?? this.retired.get(channelId);
    if (known) return known;
    const row = await this.db.run((em) => this.channels.findById(em, channelId));
    return row ? this.keep(row) : null;
  }

  /**
   * The channels that have had a code: the live one first, then the deleted ones, most
   * recently deleted first. Deleted ones are read only if the caller asks for more.
   */
  async *channelsOfCode(code: string): AsyncGenerator<RuntimeChannel> {
    const live =
      this.liveByCode.get(code) ??
      (await this.db
        .run((em) => this.channels.findLiveByCode(em, code))
        .then((row) => (row ? this.keep(row) : null)));
    if (live) yield live;
    const deleted = await this.db.run((em) => this.channels.findDeletedByCode(em, code));
    for (const row of deleted) {
      const channel = this.keep(row);
      if (channel) yield channel;
    }
  }

  /** Reloads channels and health now. Later loads win over slower earlier ones. */
  async refresh(): Promise<void> {
    const seq = ++this.loadSeq;
    const mark = this.health.loadMark();
    const today = settlementDate(Date.now(), this.config.env.SETTLEMENT_TZ);
    const { rows, circuits, volumes } = await this.db.run(async (em) => ({
      rows: await this.channels.listLive(em),
      circuits: await this.healthRows.liveCircuits(em),
      volumes: await this.healthRows.volumesOn(em, today),
    }));
    if (seq < this.appliedSeq) return;
    this.appliedSeq = seq;
    const live = new Map<string, RuntimeChannel>();
    for (const row of rows) {
      const previous = this.live.get(row.id);
      const channel =
        previous && previous.row.updatedAt === row.updatedAt ? previous : this.build(row);
      if (channel) live.set(row.id, channel);
    }
    this.live = live;
    this.liveByCode = new Map([...live.values()].map((c) => [c.row.code, c]));
    this.health.apply(mark, circuits, today, volumes);
    this.loadedAt = Date.now();
  }

  private async tick(): Promise<void> {
    try {
      await this.health.flush();
      await this.refresh();
    } catch (error) {
      this.logger.warn({ err: error }, 'channel snapshot refresh failed; keeping the last one');
    }
  }

  /** Builds a channel from a row fetched on demand; deleted ones are kept for good. */
  private keep(row: ChannelEntity): RuntimeChannel | null {
    const known = this.live.get(row.id) ?? this.retired.get(row.id);
    if (known && known.row.updatedAt === row.updatedAt) return known;
    const channel = this.build(row);
    if (channel && row.deletedAt !== null) this.retired.set(row.id, channel);
    return channel;
  }

  private build(row: ChannelEntity): RuntimeChannel | null {
    const adapter = this.registry.find(row.provider);
    if (!adapter) {
      this.logger.warn({ channel: row.code, provider: row.provider }, 'no adapter for channel');
      return null;
    }
    const publicBaseUrl = this.config.publicBaseUrl;
    return {
      row,
      adapter,
      snapshot: {
        channelId: row.id,
        code: row.code,
        provider: row.provider,
        enabled: row.enabled,
        priority: row.priority,
        weight: row.weight,
        feeRateBps: row.feeRateBps,
        fixedFee: row.fixedFee,
        minAmount: row.minAmount,
        maxAmount: row.maxAmount,
        dailyLimit: row.dailyLimit,
        currencies: JSON.parse(row.currencies) as string[],
        merchants: JSON.parse(row.merchants) as number[],
      },
      context: {
        channelId: row.id,
        code: row.code,
        config: this.codec.open(adapter, row.config),
        notifyUrl: `${publicBaseUrl}/v1/notify/${row.code}`,
        publicBaseUrl,
      },
    };
  }
}
