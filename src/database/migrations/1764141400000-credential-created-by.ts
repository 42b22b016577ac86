import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { col } from '../schema';

/**
 * Which credential created each credential, so that revoking a stolen one can revoke what was
 * made with it. Credentials created before this are left without one (null).
 */
export class CredentialCreatedBy1764141400000 implements MigrationInterface {
  name = 'CredentialCreatedBy1764141400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'credentials',
      new TableColumn(col.string('created_by', 64, { isNullable: true })),
    );
    await queryRunner.createIndex(
      'credentials',
      new TableIndex({ name: 'idx_credentials_created_by', columnNames: ['created_by'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('credentials', 'idx_credentials_created_by');
    await queryRunner.dropColumn('credentials', 'created_by');
  }
}
