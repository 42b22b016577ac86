import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { col } from '../schema';

export class Clearing1764140500000 implements MigrationInterface {
  name = 'Clearing1764140500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'journal_entries',
        columns: [
          col.id('id', 40),
          col.string('movement_key', 64),
          col.string('kind', 16),
          col.string('movement', 16),
          col.string('order_id', 40),
          col.string('refund_id', 40, { isNullable: true }),
          col.bigint('source_id'),
          col.string('channel_id', 40),
          col.string('channel_code', 32),
          col.string('currency', 3),
          col.string('settlement_date', 10),
          col.string('related_entry_id', 40, { isNullable: true }),
          col.string('memo', 256, { isNullable: true }),
          col.time('created_at'),
        ],
        indices: [
          // a movement is posted at most once
          new TableIndex({
            name: 'uq_journal_entries_movement_key',
            columnNames: ['movement_key'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'idx_journal_entries_date',
            columnNames: ['settlement_date', 'source_id', 'currency'],
          }),
          new TableIndex({ name: 'idx_journal_entries_order_id', columnNames: ['order_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'journal_lines',
        columns: [
          col.string('entry_id', 40, { isPrimary: true }),
          col.int('line_no', { isPrimary: true }),
          col.string('account', 80),
          col.string('account_type', 24),
          col.string('currency', 3),
          col.bigint('debit'),
          col.bigint('credit'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_journal_lines_account',
            columnNames: ['account', 'currency'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'clearing_runs',
        columns: [
          col.id('run_id', 40),
          col.string('settlement_date', 10),
          col.string('triggered_by', 16),
          col.string('scheduled_date', 10, { isNullable: true }),
          col.string('status', 16),
          col.string('bill_status', 16),
          col.int('bill_count', { isNullable: true }),
          col.string('error', 512, { isNullable: true }),
          col.time('started_at'),
          col.time('finished_at', { isNullable: true }),
        ],
        indices: [
          // one scheduled run per date, however many instances fire the daily job
          new TableIndex({
            name: 'uq_clearing_runs_scheduled_date',
            columnNames: ['scheduled_date'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'idx_clearing_runs_date',
            columnNames: ['settlement_date', 'run_id'],
          }),
        ],
      }),
    );
    // one row per cleared date: upserted first in every run, so runs of one date queue behind
    // each other's row lock on PostgreSQL (SQLite runs one transaction at a time anyway)
    await queryRunner.createTable(
      new Table({
        name: 'clearing_days',
        columns: [
          col.id('settlement_date', 10),
          col.string('run_id', 40),
          col.time('generated_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bills',
        columns: [
          col.id('bill_id', 48),
          col.bigint('source_id'),
          col.string('settlement_date', 10),
          col.string('currency', 3),
          col.int('payment_count'),
          col.bigint('payment_amount'),
          col.int('refund_count'),
          col.bigint('refund_amount'),
          col.bigint('fee_amount'),
          col.bigint('net_amount'),
          col.string('status', 16),
          col.string('run_id', 40),
          col.time('generated_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_bills_date_source_id',
            columnNames: ['settlement_date', 'source_id'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bill_lines',
        columns: [
          col.string('bill_id', 48, { isPrimary: true }),
          col.int('line_no', { isPrimary: true }),
          col.string('entry_id', 40),
          col.string('type', 16),
          col.string('order_id', 40),
          col.string('refund_id', 40, { isNullable: true }),
          col.string('merchant_order_no', 64, { isNullable: true }),
          col.string('channel_code', 32),
          col.bigint('amount'),
          col.bigint('fee'),
          col.bigint('net'),
          col.time('occurred_at'),
        ],
        indices: [
          // each movement is on exactly one bill
          new TableIndex({
            name: 'uq_bill_lines_entry_id',
            columnNames: ['entry_id'],
            isUnique: true,
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'reconciliations',
        columns: [
          col.id('reconciliation_id', 40),
          col.string('settlement_date', 10),
          col.string('channel_code', 32),
          col.int('statement_line_count'),
          col.int('matched_count'),
          col.int('discrepancy_count'),
          col.text('discrepancies'),
          col.time('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_reconciliations_date',
            columnNames: ['settlement_date', 'reconciliation_id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'reconciliations',
      'bill_lines',
      'bills',
      'clearing_days',
      'clearing_runs',
      'journal_lines',
      'journal_entries',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
