import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { col } from '../schema';

export class Foundation1764140000000 implements MigrationInterface {
  name = 'Foundation1764140000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'app_settings',
        columns: [col.id('key', 100), col.text('value'), col.time('created_at')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'job_leases',
        columns: [col.id('name', 100), col.string('owner', 100), col.time('lease_until')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('job_leases');
    await queryRunner.dropTable('app_settings');
  }
}
