import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { JobLeaseService } from '../database/job-lease.service';
import { ConsoleSessionsRepository } from './console-sessions.repository';

const EVERY_MS = 60 * 60 * 1000;
/** Ended sessions are kept a day (who was logged in from where), then forgotten. */
const KEEP_ENDED_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class ConsoleSessionsCleanupJob {
  private readonly logger = new Logger(ConsoleSessionsCleanupJob.name);

  constructor(
    private readonly db: Database,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly leases: JobLeaseService,
    private readonly config: AppConfig,
  ) {}

  @Interval(EVERY_MS)
  async run(): Promise<void> {
    if (!this.config.env.JOBS_ENABLED) return;
    if (!(await this.leases.tryAcquire('console-sessions-cleanup', EVERY_MS / 2))) return;
    const deleted = await this.db.run((em) =>
      this.sessions.deleteEnded(em, Date.now() - KEEP_ENDED_MS),
    );
    if (deleted > 0) this.logger.log(`forgot ${deleted} ended console sessions`);
  }
}
