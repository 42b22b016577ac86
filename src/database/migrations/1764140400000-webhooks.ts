import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { col } from '../schema';

/**
 * Merchant webhook delivery: claim columns on the outbox (so several instances never attempt
 * one event at the same time, and a crashed instance's claims expire) and the append-only log
 * of attempts.
 */
export class Webhooks1764140400000 implements MigrationInterface {
  name = 'Webhooks1764140400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('webhook_events', [
      new TableColumn(col.string('claimed_by', 64, { isNullable: true })),
      new TableColumn(col.time('claim_until', { isNullable: true })),
      new TableColumn(col.time('delivered_at', { isNullable: true })),
      new TableColumn(col.int('schedule_step', { default: 0 })),
      new TableColumn(col.int('redelivery_count', { default: 0 })),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'webhook_attempts',
        columns: [
          col.id('id', 40),
          col.string('event_id', 40),
          col.int('attempt'),
          col.time('attempted_at'),
          col.string('url', 2048, { isNullable: true }),
          col.int('status_code', { isNullable: true }),
          col.int('latency_ms'),
          col.string('error', 512, { isNullable: true }),
          col.text('response_excerpt', { isNullable: true }),
          col.string('delivered_by', 64),
        ],
        indices: [
          new TableIndex({
            name: 'idx_webhook_attempts_event_id',
            columnNames: ['event_id', 'attempt'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_attempts');
    for (const column of [
      'redelivery_count',
      'schedule_step',
      'delivered_at',
      'claim_until',
      'claimed_by',
    ]) {
      await queryRunner.dropColumn('webhook_events', column);
    }
  }
}
