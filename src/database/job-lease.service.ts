import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Database } from './database.service';

/**
 * Leases make a background job run on one instance at a time. A lease is a row; taking it is a
 * single conditional upsert, the same statement on SQLite and PostgreSQL but for the clock. A
 * crashed holder's lease simply expires and the next instance takes it. Leases are timed by the
 * database's clock, the one clock every instance shares.
 */
@Injectable()
export class JobLeaseService {
  /** Identifies this process among the instances sharing the database. */
  readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(private readonly db: Database) {}

  async tryAcquire(name: string, ttlMs: number): Promise<boolean> {
    const { affected } = await this.db.run((em) => {
      const now = Database.nowSql(em);
      return Database.sql(
        em,
        `INSERT INTO job_leases (name, owner, lease_until) VALUES (:name, :owner, ${now} + :ttlMs)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
         WHERE job_leases.lease_until < ${now} OR job_leases.owner = :owner
         RETURNING name`,
        { name, owner: this.owner, ttlMs },
      );
    });
    return affected > 0;
  }

  async release(name: string): Promise<void> {
    await this.db.run((em) =>
      Database.sql(
        em,
        `UPDATE job_leases SET lease_until = 0 WHERE name = :name AND owner = :owner`,
        {
          name,
          owner: this.owner,
        },
      ),
    );
  }
}
