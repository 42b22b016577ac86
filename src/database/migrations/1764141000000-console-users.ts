import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { col } from '../schema';

/**
 * People's accounts for the web console, their browser sessions and TOTP recovery codes; the
 * audit log learns the email of the person who acted.
 */
export class ConsoleUsers1764141000000 implements MigrationInterface {
  name = 'ConsoleUsers1764141000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'console_users',
        columns: [
          col.id('user_id', 40),
          col.string('email', 254),
          // the email lower-cased: one account per address whatever its case
          col.string('email_key', 254),
          col.string('name', 128),
          col.string('scope', 16),
          col.bigint('source_id', { isNullable: true }),
          col.string('role', 16),
          col.string('status', 16),
          col.text('password_hash'),
          col.bool('must_change_password', { default: false }),
          col.time('password_changed_at'),
          col.text('totp_secret', { isNullable: true }),
          col.text('totp_pending_secret', { isNullable: true }),
          col.time('totp_enabled_at', { isNullable: true }),
          col.bigint('totp_last_step', { isNullable: true }),
          col.time('last_login_at', { isNullable: true }),
          col.time('created_at'),
          col.time('updated_at'),
        ],
        foreignKeys: [
          {
            columnNames: ['source_id'],
            referencedTableName: 'merchants',
            referencedColumnNames: ['source_id'],
          },
        ],
        indices: [
          new TableIndex({
            name: 'uq_console_users_email_key',
            columnNames: ['email_key'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'idx_console_users_scope',
            columnNames: ['scope', 'source_id', 'user_id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'console_sessions',
        columns: [
          // SHA-256 of the cookie's value: the database never holds a usable session id
          col.id('session_id', 64),
          col.string('user_id', 40),
          col.time('created_at'),
          col.time('last_seen_at'),
          col.time('expires_at'),
          col.time('revoked_at', { isNullable: true }),
          col.string('ip', 64, { isNullable: true }),
          col.string('user_agent', 256, { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_console_sessions_user_id', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_console_sessions_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'console_recovery_codes',
        columns: [
          { ...col.string('user_id', 40), isPrimary: true },
          { ...col.string('code_hash', 64), isPrimary: true },
          col.time('used_at', { isNullable: true }),
          col.time('created_at'),
        ],
      }),
    );
    await queryRunner.addColumn(
      'audit_logs',
      new TableColumn(col.string('actor_email', 254, { isNullable: true })),
    );
    await queryRunner.createIndex(
      'audit_logs',
      new TableIndex({ name: 'idx_audit_logs_actor_email', columnNames: ['actor_email', 'id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('audit_logs', 'idx_audit_logs_actor_email');
    await queryRunner.dropColumn('audit_logs', 'actor_email');
    await queryRunner.dropTable('console_recovery_codes');
    await queryRunner.dropTable('console_sessions');
    await queryRunner.dropTable('console_users');
  }
}
