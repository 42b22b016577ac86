import { Injectable } from '@nestjs/common';
import { Database } from './database.service';

/**
 * Shared values generated once (the development JWT secret, the development channel key):
 * the first instance to start writes them, every other instance and restart reads the same.
 */
@Injectable()
export class AppSettingsService {
  constructor(private readonly db: Database) {}

  async getOrCreate(key: string, generate: () => string): Promise<string> {
    return this.db.run(async (em) => {
      await Database.sql(
        em,
        `INSERT INTO app_settings (key, value, created_at) VALUES (:key, :value, :now)
         ON CONFLICT (key) DO NOTHING`,
        { key, value: generate(), now: Date.now() },
      );
      const { rows } = await Database.sql<{ value: string }>(
        em,
        `SELECT value FROM app_settings WHERE key = :key`,
        { key },
      );
      return rows[0].value;
    });
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.db.run((em) =>
      Database.sql<{ value: string }>(em, `SELECT value FROM app_settings WHERE key = :key`, {
        key,
      }),
    );
    return rows[0]?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db.run((em) =>
      Database.sql(
        em,
        `INSERT INTO app_settings (key, value, created_at) VALUES (:key, :value, :now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        { key, value, now: Date.now() },
      ),
    );
  }
}
