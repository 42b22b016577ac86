import { MigrationInterface, QueryRunner } from 'typeorm';

const JOURNAL = ['journal_entries', 'journal_lines'];
const REFUSED = 'append-only: post a reversal or a correction instead';

/**
 * The ledger is append-only below the application: triggers refuse UPDATE and DELETE (and, on
 * PostgreSQL, TRUNCATE) of journal entries and lines, and UPDATE and DELETE of a bill, or of
 * its lines, once the bill is final. Whatever connects with paygate's credentials, a bug, a
 * script or an operator's console, gets an error instead of rewriting money history.
 */
export class LedgerAppendOnly1764142600000 implements MigrationInterface {
  name = 'LedgerAppendOnly1764142600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(`
        CREATE FUNCTION paygate_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is ${REFUSED} (% refused)', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
        END $$`);
      // a bill's own row, and its lines through their bill (two functions: PL/pgSQL resolves
      // every OLD field an expression names, whatever the table)
      for (const [fn, finalCheck] of [
        ['paygate_refuse_final_bill_change', `OLD.status = 'final'`],
        [
          'paygate_refuse_final_bill_line_change',
          `EXISTS (SELECT 1 FROM bills WHERE bill_id = OLD.bill_id AND status = 'final')`,
        ],
      ]) {
        await queryRunner.query(`
          CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF ${finalCheck} THEN
              RAISE EXCEPTION 'bill % is final: % of % refused', OLD.bill_id, TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
          END $$`);
      }
      for (const table of JOURNAL) {
        await queryRunner.query(
          `CREATE TRIGGER trg_${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION paygate_refuse_change()`,
        );
        await queryRunner.query(
          `CREATE TRIGGER trg_${table}_no_truncate BEFORE TRUNCATE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION paygate_refuse_change()`,
        );
      }
      for (const [table, fn] of [
        ['bills', 'paygate_refuse_final_bill_change'],
        ['bill_lines', 'paygate_refuse_final_bill_line_change'],
      ]) {
        await queryRunner.query(
          `CREATE TRIGGER trg_${table}_final BEFORE UPDATE OR DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
        );
      }
      return;
    }
    for (const table of JOURNAL) {
      for (const op of ['UPDATE', 'DELETE']) {
        await queryRunner.query(
          `CREATE TRIGGER trg_${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table}
           BEGIN SELECT RAISE(ABORT, '${table} is ${REFUSED} (${op} refused)'); END`,
        );
      }
    }
    for (const op of ['UPDATE', 'DELETE']) {
      await queryRunner.query(
        `CREATE TRIGGER trg_bills_final_no_${op.toLowerCase()} BEFORE ${op} ON bills
         WHEN OLD.status = 'final'
         BEGIN SELECT RAISE(ABORT, 'the bill is final: ${op} of bills refused'); END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER trg_bill_lines_final_no_${op.toLowerCase()} BEFORE ${op} ON bill_lines
         WHEN (SELECT status FROM bills WHERE bill_id = OLD.bill_id) = 'final'
         BEGIN SELECT RAISE(ABORT, 'the bill is final: ${op} of bill_lines refused'); END`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      for (const table of JOURNAL) {
        await queryRunner.query(`DROP TRIGGER trg_${table}_append_only ON ${table}`);
        await queryRunner.query(`DROP TRIGGER trg_${table}_no_truncate ON ${table}`);
      }
      for (const table of ['bills', 'bill_lines']) {
        await queryRunner.query(`DROP TRIGGER trg_${table}_final ON ${table}`);
      }
      await queryRunner.query(`DROP FUNCTION paygate_refuse_final_bill_change()`);
      await queryRunner.query(`DROP FUNCTION paygate_refuse_final_bill_line_change()`);
      await queryRunner.query(`DROP FUNCTION paygate_refuse_change()`);
      return;
    }
    for (const op of ['update', 'delete']) {
      for (const table of JOURNAL) await queryRunner.query(`DROP TRIGGER trg_${table}_no_${op}`);
      await queryRunner.query(`DROP TRIGGER trg_bills_final_no_${op}`);
      await queryRunner.query(`DROP TRIGGER trg_bill_lines_final_no_${op}`);
    }
  }
}
