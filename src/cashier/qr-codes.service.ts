import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import { newId } from '../common/ids';
import { currencyExponent, fromMajorUnits, toMajorUnits } from '../common/money/money';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { iso } from '../common/time';
import { MAX_AMOUNT } from '../common/validation/decorators';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { MerchantError } from '../merchants/merchants.errors';
import { OrderEntity } from '../payments/entities/order.entity';
import { PaymentsService } from '../payments/payments.service';
import { CashierError } from './cashier.errors';
import {
  CreateQrCodeDto,
  ListQrCodesQueryDto,
  QrCodeDto,
  QrCodePageDto,
  UpdateQrCodeDto,
} from './dto/qr-code.dto';
import { QrCodeEntity } from './entities/qr-code.entity';
import { QrCodesRepository } from './qr-codes.repository';

/**
 * Static codes (商户码): the merchant's side (create, list, disable, delete) and the payer's
 * (the code a scanned URL names, and the order made from a typed amount). Amounts typed by the
 * payer are decimal text in major units, turned into minor units exactly and held to the
 * code's bounds here, on the server.
 */
@Injectable()
export class QrCodesService {
  constructor(
    private readonly db: Database,
    private readonly codes: QrCodesRepository,
    private readonly merchants: MerchantsRepository,
    private readonly payments: PaymentsService,
    private readonly config: AppConfig,
  ) {}

  async createCode(
    principal: Principal,
    sourceId: number,
    dto: CreateQrCodeDto,
  ): Promise<QrCodeDto> {
    await this.readable(principal, sourceId);
    const currency = dto.currency ?? 'CNY';
    const min = dto.min_amount ?? null;
    const max = dto.max_amount ?? null;
    if (min !== null && max !== null && min > max) {
      throw AppError.validation([
        { field: 'min_amount', message: 'min_amount must not be above max_amount' },
      ]);
    }
    if (dto.amount !== undefined && (min !== null || max !== null)) {
      throw AppError.validation([
        { field: 'amount', message: 'a fixed amount takes no min_amount or max_amount' },
      ]);
    }
    const now = Date.now();
    const code: QrCodeEntity = {
      codeId: newId('qrc'),
      sourceId,
      token: randomBytes(16).toString('base64url'),
      name: dto.name,
      currency,
      amount: dto.amount ?? null,
      minAmount: min,
      maxAmount: max,
      productId: dto.product_id ?? 'qr_code',
      productName: dto.product_name ?? dto.name,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    await this.db.run((em) => this.codes.insert(em, code));
    return this.toDto(code);
  }

  async listCodes(
    principal: Principal,
    sourceId: number,
    query: ListQrCodesQueryDto,
  ): Promise<QrCodePageDto> {
    await this.readable(principal, sourceId);
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) => this.codes.list(em, sourceId, limit, before));
    return toPage(
      rows,
      limit,
      (c) => c.codeId,
      (c) => this.toDto(c),
    );
  }

  async updateCode(
    principal: Principal,
    sourceId: number,
    codeId: string,
    dto: UpdateQrCodeDto,
  ): Promise<QrCodeDto> {
    await this.readable(principal, sourceId);
    return this.db.transaction(async (em) => {
      if (!(await this.codes.findLive(em, sourceId, codeId))) throw CashierError.qrCodeNotFound();
      await this.codes.setStatus(em, codeId, dto.status, Date.now());
      return this.toDto((await this.codes.findLive(em, sourceId, codeId))!);
    });
  }

  /** The code takes no more payments and leaves the list; its orders keep its id. */
  async deleteCode(principal: Principal, sourceId: number, codeId: string): Promise<QrCodeDto> {
    await this.readable(principal, sourceId);
    return this.db.transaction(async (em) => {
      const code = await this.codes.findLive(em, sourceId, codeId);
      if (!code) throw CashierError.qrCodeNotFound();
      await this.codes.markDeleted(em, codeId, Date.now());
      return this.toDto(code);
    });
  }

  /** The code a payer scanned: 404 when unknown or deleted, 410 when it takes no payments. */
  async payable(token: string): Promise<QrCodeEntity> {
    const code = /^[A-Za-z0-9_-]{22}$/.test(token)
      ? await this.db.run((em) => this.codes.findByToken(em, token))
      : null;
    if (!code || code.deletedAt !== null) throw CashierError.qrCodeNotFound();
    const merchant = await this.db.run((em) => this.merchants.findBySourceId(em, code.sourceId));
    if (code.status !== 'active' || merchant?.status !== 'active') {
      throw CashierError.qrCodeDisabled();
    }
    return code;
  }

  /**
   * A cashier order for what the payer typed (or the code's fixed amount), for the code's
   * merchant, carrying the code's id.
   */
  async orderFromCode(token: string, typed: string | undefined): Promise<OrderEntity> {
    const code = await this.payable(token);
    const amount = code.amount ?? this.typedAmount(code, typed);
    return this.payments.createCashierOrder(code.sourceId, {
      productId: code.productId,
      productName: code.productName,
      amount,
      currency: code.currency,
      merchantOrderNo: null,
      externalExt: null,
      memo: null,
      channel: null,
      returnUrl: null,
      qrCodeId: code.codeId,
    });
  }

  codeUrl(code: QrCodeEntity): string {
    return `${this.config.publicBaseUrl}/cashier/c/${code.token}`;
  }

  private typedAmount(code: QrCodeEntity, typed: string | undefined): number {
    const exponent = currencyExponent(code.currency);
    const text = (typed ?? '').trim();
    let amount: number | null = null;
    try {
      amount = /^\d{1,13}(\.\d+)?$/.test(text) ? fromMajorUnits(text, code.currency) : null;
    } catch {
      amount = null;
    }
    if (amount === null) {
      const example = exponent === 0 ? '100' : `12.${'5'.padEnd(exponent, '0')}`;
      throw CashierError.invalidPayerAmount(code.currency, exponent, example);
    }
    const min = code.minAmount ?? 1;
    const max = code.maxAmount ?? MAX_AMOUNT;
    if (amount < min || amount > max) {
      throw CashierError.amountOutOfRange(
        toMajorUnits(min, code.currency),
        toMajorUnits(max, code.currency),
        code.currency,
      );
    }
    return amount;
  }

  private async readable(principal: Principal, sourceId: number): Promise<void> {
    if (principal.role !== 'admin' && principal.sourceId !== sourceId)
      throw MerchantError.merchantNotFound();
    const merchant = await this.db.run((em) => this.merchants.findBySourceId(em, sourceId));
    if (!merchant) throw MerchantError.merchantNotFound();
  }

  private toDto(code: QrCodeEntity): QrCodeDto {
    const url = this.codeUrl(code);
    return {
      code_id: code.codeId,
      source_id: code.sourceId,
      name: code.name,
      currency: code.currency,
      amount: code.amount,
      min_amount: code.minAmount,
      max_amount: code.maxAmount,
      product_id: code.productId,
      product_name: code.productName,
      status: code.status,
      url,
      qr_image_url: `${url}/qr.png`,
      created_at: iso(code.createdAt),
      updated_at: iso(code.updatedAt),
    };
  }
}
