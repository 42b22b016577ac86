import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * 退款列表 pages a merchant's refunds newest first by refund id: (source_id, refund_id) walks
 * them in that order and stops after a page. Every merchant's list walks the primary key and
 * one order's refunds idx_refunds_order_id, so this is the only index the list needs.
 */
const INDEX = new TableIndex({
  name: 'idx_refunds_source_id_refund_id',
  columnNames: ['source_id', 'refund_id'],
});

export class RefundsListIndex1764142700000 implements MigrationInterface {
  name = 'RefundsListIndex1764142700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('refunds', INDEX);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('refunds', INDEX.name!);
  }
}
