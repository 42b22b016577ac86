import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col } from '../schema';

export class Payments1764140300000 implements MigrationInterface {
  name = 'Payments1764140300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'orders',
        columns: [
          col.id('order_id', 40),
          col.bigint('source_id'),
          col.string('merchant_order_no', 64, { isNullable: true }),
          col.string('idempotency_key', 255, { isNullable: true }),
          col.string('product_id', 64),
          col.string('product_name', 128),
          col.bigint('amount'),
          col.string('currency', 3),
          col.string('status', 24),
          col.string('channel_id', 40, { isNullable: true }),
          col.string('channel_code', 32, { isNullable: true }),
          col.string('requested_channel', 32, { isNullable: true }),
          col.string('channel_trade_no', 128, { isNullable: true }),
          col.text('pay_url', { isNullable: true }),
          col.text('external_ext', { isNullable: true }),
          col.string('memo', 256, { isNullable: true }),
          col.bigint('refunded_amount', { default: 0 }),
          col.bigint('refund_reserved_amount', { default: 0 }),
          col.bigint('fee_amount', { default: 0 }),
          col.bigint('fee_refunded_amount', { default: 0 }),
          col.bool('late_payment', { default: false }),
          col.text('routing'),
          col.time('expires_at'),
          col.time('paid_at', { isNullable: true }),
          col.time('closed_at', { isNullable: true }),
          col.time('next_sync_at', { isNullable: true }),
          col.time('created_at'),
          col.time('updated_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_orders_merchant_order_no',
            columnNames: ['source_id', 'merchant_order_no'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'uq_orders_idempotency_key',
            columnNames: ['source_id', 'idempotency_key'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'idx_orders_source_id_order_id',
            columnNames: ['source_id', 'order_id'],
          }),
          new TableIndex({
            name: 'idx_orders_status_expires_at',
            columnNames: ['status', 'expires_at'],
          }),
          new TableIndex({
            name: 'idx_orders_status_next_sync_at',
            columnNames: ['status', 'next_sync_at'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'payment_attempts',
        columns: [
          col.id('id', 40),
          col.string('order_id', 40),
          col.int('seq'),
          col.string('event', 16),
          col.string('channel_id', 40),
          col.string('channel_code', 32),
          col.string('failure_reason', 32, { isNullable: true }),
          col.string('message', 512, { isNullable: true }),
          col.int('latency_ms', { isNullable: true }),
          col.time('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_payment_attempts_order_id',
            columnNames: ['order_id', 'seq'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refunds',
        columns: [
          col.id('refund_id', 40),
          col.string('order_id', 40),
          col.bigint('source_id'),
          col.string('merchant_refund_no', 64, { isNullable: true }),
          col.bigint('amount'),
          col.string('currency', 3),
          col.string('status', 16),
          col.string('reason', 256, { isNullable: true }),
          col.bigint('fee_amount', { default: 0 }),
          col.string('channel_id', 40),
          col.string('channel_refund_no', 128, { isNullable: true }),
          col.string('failure_reason', 256, { isNullable: true }),
          col.time('next_sync_at', { isNullable: true }),
          col.time('created_at'),
          col.time('completed_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_refunds_merchant_refund_no',
            columnNames: ['source_id', 'merchant_refund_no'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_refunds_order_id', columnNames: ['order_id', 'refund_id'] }),
          new TableIndex({
            name: 'idx_refunds_status_next_sync_at',
            columnNames: ['status', 'next_sync_at'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'payment_exceptions',
        columns: [
          col.id('id', 40),
          col.string('kind', 32),
          col.string('channel_id', 40),
          col.string('order_id', 64, { isNullable: true }),
          col.string('refund_id', 64, { isNullable: true }),
          col.string('channel_trade_no', 128, { isNullable: true }),
          col.bigint('expected_amount', { isNullable: true }),
          col.bigint('reported_amount', { isNullable: true }),
          col.string('expected_currency', 3, { isNullable: true }),
          col.string('reported_currency', 3, { isNullable: true }),
          col.string('reported_status', 24, { isNullable: true }),
          col.string('settlement_date', 10),
          col.time('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_payment_exceptions_date',
            columnNames: ['settlement_date', 'channel_id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_events',
        columns: [
          col.id('id', 40),
          col.bigint('source_id'),
          col.string('type', 32),
          col.string('order_id', 40),
          col.string('refund_id', 40, { isNullable: true }),
          col.text('data'),
          col.string('delivery_status', 16),
          col.int('attempt_count', { default: 0 }),
          col.time('next_attempt_at', { isNullable: true }),
          col.time('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_webhook_events_due',
            columnNames: ['delivery_status', 'next_attempt_at'],
          }),
          new TableIndex({
            name: 'idx_webhook_events_source_id',
            columnNames: ['source_id', 'id'],
          }),
          new TableIndex({ name: 'idx_webhook_events_order_id', columnNames: ['order_id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'webhook_events',
      'payment_exceptions',
      'refunds',
      'payment_attempts',
      'orders',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
