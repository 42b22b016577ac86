import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { settlementDate } from '../common/time';
import { AppConfig } from '../config/app-config';
import { OrderEntity } from '../payments/entities/order.entity';
import { RefundEntity } from '../payments/entities/refund.entity';
import { MoneyMovementListener, PaymentEffects } from '../payments/payment-effects';
import { JournalEntryEntity } from './entities/journal-entry.entity';
import { JournalLineEntity } from './entities/journal-line.entity';
import {
  assertBalanced,
  EntryKind,
  LineDraft,
  Movement,
  movementLines,
  reversedLines,
} from './journal';
import { LedgerRepository } from './ledger.repository';

/** An entry and its lines, as written. */
export interface PostedEntry {
  entry: JournalEntryEntity;
  lines: JournalLineEntity[];
}

/**
 * Posts the journal. Payments call it inside the transaction of every money movement
 * (PaymentEffects), so an order that succeeded without its entry, or an entry without its
 * order's change, cannot exist. The figures are the ones payments recorded (the order's
 * `fee_amount`, each refund's `fee_amount` share); nothing is recomputed here.
 */
@Injectable()
export class LedgerService implements MoneyMovementListener, OnModuleInit {
  private readonly logger = new Logger(LedgerService.name);

  constructor(
    private readonly ledger: LedgerRepository,
    private readonly effects: PaymentEffects,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.effects.register(this);
  }

  async paymentSucceeded(em: EntityManager, order: OrderEntity, at: number): Promise<void> {
    const figures = {
      channelId: channelOf(order),
      sourceId: order.sourceId,
      currency: order.currency,
      amount: order.amount,
      fee: order.feeAmount,
    };
    await this.post(em, {
      kind: 'payment',
      movement: 'payment',
      movementKey: `payment:${order.orderId}`,
      order,
      refundId: null,
      lines: movementLines('payment', figures),
      relatedEntryId: null,
      memo: null,
      at,
    });
  }

  async refundSucceeded(
    em: EntityManager,
    order: OrderEntity,
    refund: RefundEntity,
    at: number,
  ): Promise<void> {
    const figures = {
      channelId: refund.channelId,
      sourceId: refund.sourceId,
      currency: refund.currency,
      amount: refund.amount,
      fee: refund.feeAmount,
    };
    await this.post(em, {
      kind: 'refund',
      movement: 'refund',
      movementKey: `refund:${refund.refundId}`,
      order,
      refundId: refund.refundId,
      lines: movementLines('refund', figures),
      relatedEntryId: null,
      memo: null,
      at,
    });
  }

  /** Undoes an entry with its mirror image, on the bill of the day it is made. */
  async reverse(
    em: EntityManager,
    original: PostedEntry,
    memo: string,
    at: number,
  ): Promise<PostedEntry | null> {
    return this.post(em, {
      kind: 'reversal',
      movement: original.entry.movement,
      movementKey: `reversal:${original.entry.id}`,
      order: original.entry,
      refundId: original.entry.refundId,
      lines: reversedLines(original.lines),
      relatedEntryId: original.entry.id,
      memo,
      at,
    });
  }

  /** Posts the figures an entry should have had; its reversal is posted with it by the caller. */
  async correct(
    em: EntityManager,
    original: PostedEntry,
    figures: { amount: number; fee: number },
    memo: string,
    at: number,
  ): Promise<PostedEntry | null> {
    const { entry } = original;
    return this.post(em, {
      kind: 'correction',
      movement: entry.movement,
      movementKey: `correction:${entry.id}`,
      order: entry,
      refundId: entry.refundId,
      lines: movementLines(entry.movement, {
        channelId: entry.channelId,
        sourceId: entry.sourceId,
        currency: entry.currency,
        ...figures,
      }),
      relatedEntryId: entry.id,
      memo,
      at,
    });
  }

  /**
   * Checks the entry balances, then inserts it and its lines; null when the movement had been
   * posted already (the transition that calls this is itself conditional, so that is never
   * expected, and is logged).
   */
  private async post(
    em: EntityManager,
    draft: {
      kind: EntryKind;
      movement: Movement;
      movementKey: string;
      order: Pick<OrderEntity, 'orderId' | 'sourceId' | 'currency' | 'channelId' | 'channelCode'>;
      refundId: string | null;
      lines: LineDraft[];
      relatedEntryId: string | null;
      memo: string | null;
      at: number;
    },
  ): Promise<PostedEntry | null> {
    assertBalanced(draft.lines);
    const { order } = draft;
    const entry: JournalEntryEntity = {
      id: newId('je'),
      movementKey: draft.movementKey,
      kind: draft.kind,
      movement: draft.movement,
      orderId: order.orderId,
      refundId: draft.refundId,
      sourceId: order.sourceId,
      channelId: channelOf(order),
      channelCode: order.channelCode ?? '',
      currency: order.currency,
      settlementDate: settlementDate(draft.at, this.config.env.SETTLEMENT_TZ),
      relatedEntryId: draft.relatedEntryId,
      memo: draft.memo,
      createdAt: draft.at,
    };
    if (!(await this.ledger.insertEntry(em, entry, draft.lines))) {
      this.logger.warn({ movement_key: draft.movementKey }, 'movement already posted; not again');
      return null;
    }
    return {
      entry,
      lines: draft.lines.map((line, index) => ({ ...line, entryId: entry.id, lineNo: index + 1 })),
    };
  }
}

function channelOf(order: Pick<OrderEntity, 'orderId' | 'channelId'>): string {
  if (order.channelId === null)
    throw new Error(`order ${order.orderId} moved money without a channel`);
  return order.channelId;
}
