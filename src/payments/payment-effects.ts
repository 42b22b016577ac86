import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderEntity } from './entities/order.entity';
import { RefundEntity } from './entities/refund.entity';

/**
 * Something that must happen in the same transaction as a money movement (the ledger's
 * journal entries). Registered by the module that owns it; called by the state transitions
 * with the transaction's EntityManager, so either both commit or neither does.
 */
export interface MoneyMovementListener {
  paymentSucceeded(em: EntityManager, order: OrderEntity, at: number): Promise<void>;
  refundSucceeded(
    em: EntityManager,
    order: OrderEntity,
    refund: RefundEntity,
    at: number,
  ): Promise<void>;
}

@Injectable()
export class PaymentEffects {
  private readonly listeners: MoneyMovementListener[] = [];

  register(listener: MoneyMovementListener): void {
    this.listeners.push(listener);
  }

  async paymentSucceeded(em: EntityManager, order: OrderEntity, at: number): Promise<void> {
    for (const listener of this.listeners) await listener.paymentSucceeded(em, order, at);
  }

  async refundSucceeded(
    em: EntityManager,
    order: OrderEntity,
    refund: RefundEntity,
    at: number,
  ): Promise<void> {
    for (const listener of this.listeners) await listener.refundSucceeded(em, order, refund, at);
  }
}
