import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col } from '../schema';

export class Channels1764140200000 implements MigrationInterface {
  name = 'Channels1764140200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'channels',
        columns: [
          col.id('id', 40),
          col.string('code', 32),
          col.string('name', 64),
          col.string('provider', 32),
          col.bool('enabled'),
          col.int('priority'),
          col.int('weight'),
          col.int('fee_rate_bps'),
          col.bigint('fixed_fee'),
          col.bigint('min_amount', { isNullable: true }),
          col.bigint('max_amount', { isNullable: true }),
          col.bigint('daily_limit', { isNullable: true }),
          col.text('currencies'),
          col.text('merchants'),
          col.text('config'),
          col.time('created_at'),
          col.time('updated_at'),
          col.time('deleted_at', { isNullable: true }),
        ],
        indices: [
          // one live channel per code; deleted ones keep theirs for their orders
          new TableIndex({
            name: 'uq_channels_live_code',
            columnNames: ['code'],
            isUnique: true,
            where: 'deleted_at IS NULL',
          }),
          new TableIndex({ name: 'idx_channels_code', columnNames: ['code', 'deleted_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'channel_health',
        columns: [
          col.id('channel_id', 40),
          col.int('consecutive_failures', { default: 0 }),
          col.time('open_until', { isNullable: true }),
          col.time('trial_until', { isNullable: true }),
          col.time('updated_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'channel_daily_stats',
        columns: [
          { ...col.string('channel_id', 40), isPrimary: true },
          { ...col.string('settlement_date', 10), isPrimary: true },
          col.bigint('successes', { default: 0 }),
          col.bigint('failures', { default: 0 }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'channel_daily_volume',
        columns: [
          { ...col.string('channel_id', 40), isPrimary: true },
          { ...col.string('settlement_date', 10), isPrimary: true },
          { ...col.string('currency', 3), isPrimary: true },
          col.bigint('amount', { default: 0 }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sandbox_payments',
        columns: [
          col.id('order_id', 64),
          col.string('channel_id', 40),
          col.string('trade_no', 64),
          col.string('status', 16),
          col.bigint('amount', { isNullable: true }),
          col.string('currency', 3, { isNullable: true }),
          col.bigint('refunded_amount', { default: 0 }),
          col.time('created_at'),
          col.time('paid_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'idx_sandbox_payments_statement',
            columnNames: ['channel_id', 'paid_at'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sandbox_refunds',
        columns: [
          col.id('refund_id', 64),
          col.string('order_id', 64),
          col.string('channel_id', 40),
          col.string('refund_no', 64),
          col.bigint('amount'),
          col.string('currency', 3),
          col.time('created_at'),
          col.time('completes_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_sandbox_refunds_order', columnNames: ['order_id'] }),
          new TableIndex({
            name: 'idx_sandbox_refunds_statement',
            columnNames: ['channel_id', 'completes_at'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sandbox_refunds');
    await queryRunner.dropTable('sandbox_payments');
    await queryRunner.dropTable('channel_daily_volume');
    await queryRunner.dropTable('channel_daily_stats');
    await queryRunner.dropTable('channel_health');
    await queryRunner.dropTable('channels');
  }
}
