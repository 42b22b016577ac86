import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A claim on an order for the background jobs (status sync and expiry sweep): an instance sets
 * `claimed_by` and `claim_until` on a batch of due orders in one conditional update, and until
 * then no other instance (and neither job) takes those orders. A crashed instance's claims
 * simply run out. Plain ALTER TABLE on both engines: SQLite adds a nullable column in place,
 * where TypeORM's addColumn would copy the whole table.
 */
export class OrderClaims1764142800000 implements MigrationInterface {
  name = 'OrderClaims1764142800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders ADD COLUMN claimed_by varchar(64)`);
    await queryRunner.query(`ALTER TABLE orders ADD COLUMN claim_until bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders DROP COLUMN claim_until`);
    await queryRunner.query(`ALTER TABLE orders DROP COLUMN claimed_by`);
  }
}
