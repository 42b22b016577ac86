import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col } from '../schema';

/**
 * The hosted cashier: an order's return_url and the static code (商户码) it came from; each
 * attempt's product and what the payer was given (pay_url), so a wallet's page can be shown
 * again without a second trade; and the static codes themselves. Plain ALTER TABLE … ADD
 * COLUMN means the same on both engines and leaves SQLite's tables in place.
 */
export class Cashier1764141100000 implements MigrationInterface {
  name = 'Cashier1764141100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE orders ADD COLUMN return_url text');
    await queryRunner.query('ALTER TABLE orders ADD COLUMN qr_code_id varchar(40)');
    await queryRunner.createIndex(
      'orders',
      new TableIndex({ name: 'idx_orders_qr_code_id', columnNames: ['qr_code_id'] }),
    );
    await queryRunner.query('ALTER TABLE payment_attempts ADD COLUMN product varchar(16)');
    await queryRunner.query('ALTER TABLE payment_attempts ADD COLUMN pay_url text');
    await queryRunner.createTable(
      new Table({
        name: 'qr_codes',
        columns: [
          col.id('code_id', 40),
          col.bigint('source_id'),
          col.string('token', 64),
          col.string('name', 64),
          col.string('currency', 3),
          col.bigint('amount', { isNullable: true }),
          col.bigint('min_amount', { isNullable: true }),
          col.bigint('max_amount', { isNullable: true }),
          col.string('product_id', 64),
          col.string('product_name', 128),
          col.string('status', 16),
          col.time('created_at'),
          col.time('updated_at'),
          col.time('deleted_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'uq_qr_codes_token', columnNames: ['token'], isUnique: true }),
          new TableIndex({
            name: 'idx_qr_codes_source_id_code_id',
            columnNames: ['source_id', 'code_id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('qr_codes');
    await queryRunner.dropIndex('orders', 'idx_orders_qr_code_id');
    for (const [table, column] of [
      ['payment_attempts', 'pay_url'],
      ['payment_attempts', 'product'],
      ['orders', 'qr_code_id'],
      ['orders', 'return_url'],
    ]) {
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    }
  }
}
