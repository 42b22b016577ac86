import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';
import { col } from '../schema';

/**
 * A per-order sequence number on every webhook event (1, 2, 3… over all the events of one
 * order, payment.* and refund.* alike), so a merchant can tell a stale event that arrives late
 * from a newer one. The counter lives in a table of its own, one row per order with events,
 * incremented in the transaction that writes the event: its row lock orders two transactions
 * changing the same order, so numbers follow the order of the changes and never repeat. Events
 * written before this are numbered by their creation time.
 */
export class WebhookSequence1764141600000 implements MigrationInterface {
  name = 'WebhookSequence1764141600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'order_event_sequences',
        columns: [col.id('order_id', 40), col.int('last_sequence')],
      }),
    );
    await queryRunner.addColumn(
      'webhook_events',
      new TableColumn(col.int('sequence', { default: 0 })),
    );
    await queryRunner.query(
      `UPDATE webhook_events SET sequence = (
         SELECT COUNT(*) FROM webhook_events e
         WHERE e.order_id = webhook_events.order_id
           AND (e.created_at < webhook_events.created_at
             OR (e.created_at = webhook_events.created_at AND e.id <= webhook_events.id)))`,
    );
    await queryRunner.query(
      `INSERT INTO order_event_sequences (order_id, last_sequence)
       SELECT order_id, MAX(sequence) FROM webhook_events GROUP BY order_id`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('webhook_events', 'sequence');
    await queryRunner.dropTable('order_event_sequences');
  }
}
