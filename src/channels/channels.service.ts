import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError, FieldError } from '../common/errors/app-error';
import { newId } from '../common/ids';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { iso, settlementDate } from '../common/time';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { ChannelConfigCodec } from './channel-config';
import { ChannelGateway } from './channel-gateway';
import { ChannelRuntime } from './channel-runtime.service';
import { ChannelError } from './channels.errors';
import { ChannelChanges, ChannelsRepository } from './channels.repository';
import {
  ChannelDto,
  ChannelPageDto,
  CreateChannelDto,
  ListChannelsQueryDto,
  RouteExplanationDto,
  RouteQueryDto,
  UpdateChannelDto,
} from './dto/channel.dto';
import { ChannelEntity } from './entities/channel.entity';
import { ChannelHealthRepository } from './health/channel-health.repository';
import { ChannelHealthService, HealthView } from './health/channel-health.service';
import { PaymentProvider } from './providers/payment-provider.port';
import { ProviderRegistry } from './providers/provider-registry';
import { ChannelProviderListDto } from './dto/channel-provider.dto';

/**
 * `GET /v1/channels/route` lives beside `/v1/channels/{code}`, and an order's `channel=cashier`
 * asks for the hosted cashier: no channel may be called either.
 */
const RESERVED_CODES = new Set(['route', 'cashier']);

/** The admin side of channels: their rules, CRUD and the route explanation. */
@Injectable()
export class ChannelsService {
  private readonly timeZone: string;

  constructor(
    private readonly db: Database,
    private readonly channels: ChannelsRepository,
    private readonly healthRows: ChannelHealthRepository,
    private readonly health: ChannelHealthService,
    private readonly merchants: MerchantsRepository,
    private readonly registry: ProviderRegistry,
    private readonly codec: ChannelConfigCodec,
    private readonly runtime: ChannelRuntime,
    private readonly gateway: ChannelGateway,
    config: AppConfig,
  ) {
    this.timeZone = config.env.SETTLEMENT_TZ;
  }

  /** The registered providers and the settings each one's `config` takes. */
  listProviders(): ChannelProviderListDto {
    return {
      items: this.registry.names().map((name) => {
        const adapter = this.registry.get(name);
        return {
          provider: name,
          name: adapter.title,
          fields: adapter.configFields.map((f) => ({
            key: f.key,
            kind: f.kind,
            required: f.required,
            secret: f.secret,
            ...(f.options ? { options: [...f.options] } : {}),
            ...(f.multiple ? { multiple: true } : {}),
            description: f.description,
          })),
        };
      }),
    };
  }

  async createChannel(dto: CreateChannelDto): Promise<ChannelDto> {
    const errors: FieldError[] = [];
    if (RESERVED_CODES.has(dto.code)) errors.push({ field: 'code', message: 'code is reserved' });
    const adapter = this.registry.find(dto.provider);
    if (!adapter) {
      errors.push({
        field: 'provider',
        message: `provider must be one of: ${this.registry.names().join(', ')}`,
      });
    }
    const merchants = unique(dto.merchants ?? []);
    errors.push(...amountRangeErrors(dto.min_amount ?? null, dto.max_amount ?? null));
    errors.push(...(await this.unknownMerchants(merchants)));
    const config = adapter ? configOrErrors(adapter, dto.config, errors) : null;
    if (errors.length > 0 || !adapter || !config) throw AppError.validation(errors);

    const now = Date.now();
    const row: ChannelEntity = {
      id: newId('chn'),
      code: dto.code,
      name: dto.name,
      provider: dto.provider,
      enabled: dto.enabled ?? true,
      priority: dto.priority ?? 0,
      weight: dto.weight ?? 100,
      feeRateBps: dto.fee_rate_bps ?? 0,
      fixedFee: dto.fixed_fee ?? 0,
      minAmount: dto.min_amount ?? null,
      maxAmount: dto.max_amount ?? null,
      dailyLimit: dto.daily_limit ?? null,
      currencies: JSON.stringify(unique(dto.currencies ?? ['CNY'])),
      merchants: JSON.stringify(merchants),
      config: this.codec.seal(adapter, config),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    try {
      await this.db.transaction(async (em) => {
        if (await this.channels.findLiveByCode(em, dto.code))
          throw ChannelError.codeTaken(dto.code);
        await this.channels.insert(em, row);
        await this.healthRows.insertClosed(em, row.id, now);
      });
    } catch (error) {
      // another create of the same code won the race for the live-code index
      if (isUniqueViolation(error)) throw ChannelError.codeTaken(dto.code);
      throw error;
    }
    await this.runtime.refresh();
    return this.toDto(row);
  }

  async listChannels(query: ListChannelsQueryDto): Promise<ChannelPageDto> {
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.channels.list(em, {
        enabled: query.enabled,
        provider: query.provider,
        before,
        limit,
      }),
    );
    const views = await this.views(rows.slice(0, limit));
    return toPage(
      rows,
      limit,
      (c) => c.id,
      (c) => this.toDtoWith(c, views.get(c.id)),
    );
  }

  async getChannel(code: string): Promise<ChannelDto> {
    return this.toDto(await this.db.run((em) => this.mustFindLive(em, code)));
  }

  async updateChannel(code: string, dto: UpdateChannelDto): Promise<ChannelDto> {
    const current = await this.db.run((em) => this.mustFindLive(em, code));
    const adapter = this.registry.get(current.provider);
    const errors: FieldError[] = [];
    const min = dto.min_amount !== undefined ? dto.min_amount : current.minAmount;
    const max = dto.max_amount !== undefined ? dto.max_amount : current.maxAmount;
    errors.push(...amountRangeErrors(min, max));
    const merchants = dto.merchants === undefined ? undefined : unique(dto.merchants);
    if (merchants) errors.push(...(await this.unknownMerchants(merchants)));
    const config =
      dto.config === undefined
        ? undefined
        : configOrErrors(
            adapter,
            this.codec.keepMaskedSecrets(adapter, dto.config, current.config),
            errors,
          );
    if (errors.length > 0) throw AppError.validation(errors);

    const changes: ChannelChanges = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
      ...(dto.priority !== undefined ? { priority: dto.priority } : {}),
      ...(dto.weight !== undefined ? { weight: dto.weight } : {}),
      ...(dto.fee_rate_bps !== undefined ? { feeRateBps: dto.fee_rate_bps } : {}),
      ...(dto.fixed_fee !== undefined ? { fixedFee: dto.fixed_fee } : {}),
      ...(dto.min_amount !== undefined ? { minAmount: dto.min_amount } : {}),
      ...(dto.max_amount !== undefined ? { maxAmount: dto.max_amount } : {}),
      ...(dto.daily_limit !== undefined ? { dailyLimit: dto.daily_limit } : {}),
      ...(dto.currencies !== undefined
        ? { currencies: JSON.stringify(unique(dto.currencies)) }
        : {}),
      ...(merchants !== undefined ? { merchants: JSON.stringify(merchants) } : {}),
      ...(config ? { config: this.codec.seal(adapter, config) } : {}),
    };
    const updated = await this.db.transaction(async (em) => {
      if (!(await this.channels.update(em, current.id, changes, Date.now()))) {
        throw ChannelError.deleted(code);
      }
      return (await this.channels.findById(em, current.id)) as ChannelEntity;
    });
    await this.runtime.refresh();
    return this.toDto(updated);
  }

  /** Soft delete: no new orders; existing orders keep the channel for refunds and statements. */
  async deleteChannel(code: string): Promise<ChannelDto> {
    const deleted = await this.db.transaction(async (em) => {
      const current = await this.mustFindLive(em, code);
      if (!(await this.channels.softDelete(em, current.id, Date.now()))) {
        throw ChannelError.deleted(code);
      }
      return (await this.channels.findById(em, current.id)) as ChannelEntity;
    });
    await this.runtime.refresh();
    return this.toDto(deleted);
  }

  /** The routing decision for an order like this one, from fresh channel data. */
  async explainRoute(query: RouteQueryDto): Promise<RouteExplanationDto> {
    await this.health.flush();
    await this.runtime.refresh();
    const decision = await this.gateway.route({
      amount: query.amount,
      currency: query.currency ?? 'CNY',
      sourceId: query.source_id,
      ...(query.channel !== undefined ? { channelCode: query.channel } : {}),
    });
    return {
      candidates: decision.candidates.map((c) => ({
        code: c.code,
        priority: c.priority,
        weight: c.weight,
        probability: c.probability,
      })),
      excluded: decision.excluded,
    };
  }

  /** The live channel of a code; 410 if only deleted ones exist, 404 if none ever did. */
  private async mustFindLive(em: EntityManager, code: string): Promise<ChannelEntity> {
    const live = await this.channels.findLiveByCode(em, code);
    if (live) return live;
    const deleted = await this.channels.findDeletedByCode(em, code);
    throw deleted.length > 0 ? ChannelError.deleted(code) : ChannelError.channelNotFound();
  }

  private async unknownMerchants(sourceIds: number[]): Promise<FieldError[]> {
    const known = await this.db.run((em) => this.merchants.existingSourceIds(em, sourceIds));
    const unknown = sourceIds.filter((id) => !known.has(id));
    return unknown.length === 0
      ? []
      : [{ field: 'merchants', message: `unknown merchants (source_id): ${unknown.join(', ')}` }];
  }

  private async views(rows: ChannelEntity[]): Promise<Map<string, HealthView>> {
    const now = Date.now();
    return this.health.describe(
      rows.map((r) => r.id),
      settlementDate(now, this.timeZone),
      now,
    );
  }

  private async toDto(row: ChannelEntity): Promise<ChannelDto> {
    return this.toDtoWith(row, (await this.views([row])).get(row.id));
  }

  private toDtoWith(row: ChannelEntity, view: HealthView | undefined): ChannelDto {
    return {
      code: row.code,
      name: row.name,
      provider: row.provider,
      enabled: row.enabled,
      priority: row.priority,
      weight: row.weight,
      fee_rate_bps: row.feeRateBps,
      fixed_fee: row.fixedFee,
      min_amount: row.minAmount,
      max_amount: row.maxAmount,
      daily_limit: row.dailyLimit,
      currencies: JSON.parse(row.currencies) as string[],
      merchants: JSON.parse(row.merchants) as number[],
      config: this.codec.mask(this.registry.find(row.provider), row.config),
      health: {
        state: view?.state ?? 'closed',
        success_rate: view?.successRate ?? null,
        consecutive_failures: view?.consecutiveFailures ?? 0,
      },
      today_volume: view?.todayVolume ?? [],
      created_at: iso(row.createdAt),
      updated_at: iso(row.updatedAt),
      deleted_at: iso(row.deletedAt),
    };
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function amountRangeErrors(min: number | null, max: number | null): FieldError[] {
  return min !== null && max !== null && min > max
    ? [{ field: 'min_amount', message: 'min_amount must not be greater than max_amount' }]
    : [];
}

/** The adapter's normalised config, or null with its field errors added to `errors`. */
function configOrErrors(
  adapter: PaymentProvider,
  config: unknown,
  errors: FieldError[],
): Record<string, unknown> | null {
  const result = adapter.validateConfig(config);
  if (result.ok) return result.config;
  errors.push(...result.errors);
  return null;
}
