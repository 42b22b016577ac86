import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Indexes for the console: statistics over time ranges (every merchant, or one) and the order
 * search box. Chosen from PostgreSQL's plans on a million orders (docs/console.md): each
 * statistics query is one range scan of the time column, with the merchant first when the
 * query names one. Narrow on purpose: none holds the status or an amount, which payments'
 * updates write; only the channel trade number (the search box needs it) is written by them,
 * once, when the channel answers.
 */
const INDEXES: [string, TableIndex][] = [
  ['orders', new TableIndex({ name: 'idx_orders_created_at', columnNames: ['created_at'] })],
  [
    'orders',
    new TableIndex({
      name: 'idx_orders_source_id_created_at',
      columnNames: ['source_id', 'created_at'],
    }),
  ],
  [
    'orders',
    new TableIndex({ name: 'idx_orders_merchant_order_no', columnNames: ['merchant_order_no'] }),
  ],
  [
    'orders',
    new TableIndex({ name: 'idx_orders_channel_trade_no', columnNames: ['channel_trade_no'] }),
  ],
  ['refunds', new TableIndex({ name: 'idx_refunds_completed_at', columnNames: ['completed_at'] })],
  [
    'refunds',
    new TableIndex({
      name: 'idx_refunds_source_id_completed_at',
      columnNames: ['source_id', 'completed_at'],
    }),
  ],
  [
    'payment_attempts',
    new TableIndex({ name: 'idx_payment_attempts_created_at', columnNames: ['created_at'] }),
  ],
  [
    'webhook_events',
    new TableIndex({ name: 'idx_webhook_events_created_at', columnNames: ['created_at'] }),
  ],
  [
    'webhook_attempts',
    new TableIndex({
      name: 'idx_webhook_attempts_attempted_at',
      columnNames: ['attempted_at'],
    }),
  ],
];

export class ConsoleStatsIndexes1764141050000 implements MigrationInterface {
  name = 'ConsoleStatsIndexes1764141050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, index] of INDEXES) await queryRunner.createIndex(table, index);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, index] of [...INDEXES].reverse()) {
      await queryRunner.dropIndex(table, index.name!);
    }
  }
}
