import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { PaymentAttemptEntity } from '../payments/entities/payment-attempt.entity';
import { buildDataSourceOptions } from './data-source-options';
import { bindIntegerParameters } from './sqlite-parameters';

/**
 * ORM statements on SQLite (TypeORM's `insert`, `find`, `update`) that differ only in numbers
 * must be one compiled statement, and the numbers must still be stored and matched exactly.
 */
describe('integer parameters on SQLite', () => {
  let dataSource: DataSource;
  let compiled: string[];

  beforeAll(async () => {
    dataSource = new DataSource(
      buildDataSourceOptions(loadConfig({ DATABASE_URL: 'sqlite::memory:' })),
    );
    bindIntegerParameters(dataSource);
    await dataSource.initialize();
    await dataSource.runMigrations();
    const connection = dataSource.driver as unknown as {
      databaseConnection: { prepare: (sql: string) => unknown };
    };
    const prepare = connection.databaseConnection.prepare.bind(connection.databaseConnection);
    connection.databaseConnection.prepare = (sql: string) => {
      compiled.push(sql);
      return prepare(sql);
    };
  });
  beforeEach(() => (compiled = []));
  afterAll(() => dataSource?.destroy());

  const attempt = (id: string, fields: Partial<PaymentAttemptEntity>): PaymentAttemptEntity => ({
    id,
    orderId: 'ord_1',
    seq: 1,
    event: 'started',
    channelId: 'chn_1',
    channelCode: 'sandbox',
    failureReason: null,
    message: null,
    latencyMs: 0,
    createdAt: 1_795_740_995_977,
    product: null,
    payUrl: null,
    ...fields,
  });

  it('compiles once the inserts and reads that differ only in numbers', async () => {
    const em = dataSource.manager;
    for (let i = 0; i < 5; i++) {
      await em.insert(
        PaymentAttemptEntity,
        attempt(`att_same_${i}`, { seq: i, latencyMs: i * 7, createdAt: Date.now() + i }),
      );
    }
    for (let i = 0; i < 5; i++) {
      expect(await em.findOneBy(PaymentAttemptEntity, { seq: i, latencyMs: i * 7 })).toMatchObject({
        id: `att_same_${i}`,
      });
    }
    const inserts = compiled.filter((sql) => sql.startsWith('INSERT INTO "payment_attempts"'));
    const reads = compiled.filter((sql) => sql.startsWith('SELECT'));
    expect(inserts).toHaveLength(1);
    expect(reads).toHaveLength(1);
    expect(inserts[0]).not.toMatch(/\d{4,}/);
  });

  it('stores integers as SQLite integers, exactly, and matches them exactly', async () => {
    const em = dataSource.manager;
    const largest = Number.MAX_SAFE_INTEGER;
    await em.insert(
      PaymentAttemptEntity,
      attempt('att_exact', { seq: 0, latencyMs: -1, createdAt: largest }),
    );
    const [row] = await dataSource.query(
      `SELECT seq, typeof(seq) AS seq_type, latency_ms, typeof(latency_ms) AS latency_type, created_at, typeof(created_at) AS created_type
         FROM payment_attempts WHERE id = 'att_exact'`,
    );
    expect(row).toEqual({
      seq: 0,
      seq_type: 'integer',
      latency_ms: -1,
      latency_type: 'integer',
      created_at: largest,
      created_type: 'integer',
    });
    expect(await em.findBy(PaymentAttemptEntity, { createdAt: largest })).toEqual([
      attempt('att_exact', { seq: 0, latencyMs: -1, createdAt: largest }),
    ]);
    // one less is another row: no rounding on the way in
    expect(await em.findBy(PaymentAttemptEntity, { createdAt: largest - 1 })).toEqual([]);
  });

  it('leaves every other value as it was: fractions, null, text that looks like a number', async () => {
    const em = dataSource.manager;
    await em.insert(
      PaymentAttemptEntity,
      attempt('att_other', { latencyMs: 2.5, message: '42', failureReason: null }),
    );
    const [row] = await dataSource.query(
      `SELECT latency_ms, typeof(latency_ms) AS latency_type, message, typeof(message) AS message_type, failure_reason
         FROM payment_attempts WHERE id = 'att_other'`,
    );
    expect(row).toEqual({
      latency_ms: 2.5,
      latency_type: 'real',
      message: '42',
      message_type: 'text',
      failure_reason: null,
    });
    expect(await em.findBy(PaymentAttemptEntity, { latencyMs: 2.5 })).toHaveLength(1);
    expect(await em.findBy(PaymentAttemptEntity, { message: '42' })).toHaveLength(1);
  });
});
