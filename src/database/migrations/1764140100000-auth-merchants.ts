import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col } from '../schema';

export class AuthMerchants1764140100000 implements MigrationInterface {
  name = 'AuthMerchants1764140100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'merchants',
        columns: [
          { ...col.bigint('source_id'), isPrimary: true },
          col.string('name', 128),
          col.string('status', 16),
          col.string('notify_url', 2048, { isNullable: true }),
          col.text('webhook_secret'),
          col.text('webhook_secret_previous', { isNullable: true }),
          col.time('webhook_secret_previous_until', { isNullable: true }),
          col.time('created_at'),
          col.time('updated_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'credentials',
        columns: [
          col.id('client_id', 64),
          col.string('role', 16),
          col.bigint('source_id', { isNullable: true }),
          col.text('secret_hash'),
          col.string('status', 16),
          col.time('created_at'),
          col.time('revoked_at', { isNullable: true }),
        ],
        foreignKeys: [
          {
            columnNames: ['source_id'],
            referencedTableName: 'merchants',
            referencedColumnNames: ['source_id'],
          },
        ],
        indices: [
          new TableIndex({ name: 'idx_credentials_source_id', columnNames: ['source_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_logs',
        columns: [
          col.id('id', 40),
          col.string('actor_client_id', 64, { isNullable: true }),
          col.string('actor_role', 16, { isNullable: true }),
          col.string('action', 64),
          col.string('target_type', 32),
          col.string('target_id', 128, { isNullable: true }),
          col.string('result', 16),
          col.string('reason', 64, { isNullable: true }),
          col.string('ip', 64, { isNullable: true }),
          col.string('request_id', 128, { isNullable: true }),
          col.text('detail', { isNullable: true }),
          col.time('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_logs_action', columnNames: ['action', 'id'] }),
          new TableIndex({
            name: 'idx_audit_logs_target',
            columnNames: ['target_type', 'target_id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { ...col.string('scope', 100), isPrimary: true },
          { ...col.string('idempotency_key', 255), isPrimary: true },
          col.string('endpoint', 200),
          col.string('request_hash', 64),
          col.string('status', 16),
          col.int('response_status', { isNullable: true }),
          col.text('response_body', { isNullable: true }),
          col.time('locked_until'),
          col.time('created_at'),
          col.time('expires_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_idempotency_keys_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
    await queryRunner.dropTable('audit_logs');
    await queryRunner.dropTable('credentials');
    await queryRunner.dropTable('merchants');
  }
}
