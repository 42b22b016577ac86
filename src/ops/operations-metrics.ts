import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DISCREPANCY_TYPES } from '../clearing/reconcile';
import { Database } from '../database/database.service';
import { MetricsService } from './metrics.service';
import { Backlog, OperationsMetricsRepository } from './operations-metrics.repository';

interface Reading {
  lastClearingSuccess: number | null;
  discrepancies: Map<string, number>;
  sweep: Backlog;
  sync: Backlog;
  now: number;
}

/**
 * What an operator alerts on, read from the database at scrape time (one read per scrape,
 * shared by the gauges) so every instance reports the same whole-system figures: when clearing
 * last succeeded, the latest reconciliations' discrepancies by type, and the backlogs of the
 * expiry sweep and the status sync. docs/operations.md lists the alerts.
 */
@Injectable()
export class OperationsMetrics {
  private readonly logger = new Logger(OperationsMetrics.name);
  private reading?: Promise<Reading | null>;

  constructor(
    metrics: MetricsService,
    private readonly db: Database,
    private readonly repository: OperationsMetricsRepository,
  ) {
    const read = () => this.read();
    const registers = [metrics.registry];
    new Gauge({
      name: 'paygate_clearing_last_success_timestamp_seconds',
      help: 'When the last successful clearing run finished (Unix seconds; 0 if none has)',
      registers,
      async collect() {
        const r = await read();
        if (r) this.set(r.lastClearingSuccess === null ? 0 : r.lastClearingSuccess / 1000);
      },
    });
    new Gauge({
      name: 'paygate_reconciliation_discrepancies',
      help: 'Discrepancies in the latest reconciliation of each channel, by type',
      labelNames: ['type'],
      registers,
      async collect() {
        const r = await read();
        if (!r) return;
        for (const type of DISCREPANCY_TYPES) this.set({ type }, r.discrepancies.get(type) ?? 0);
      },
    });
    for (const [job, pick] of [
      ['sweep', (r: Reading) => r.sweep],
      ['sync', (r: Reading) => r.sync],
    ] as const) {
      const what =
        job === 'sweep'
          ? 'pending orders past their expiry'
          : 'pending orders due for a status query';
      new Gauge({
        name: `paygate_${job === 'sweep' ? 'expiry_sweep' : 'status_sync'}_backlog`,
        help: `The ${job === 'sweep' ? 'expiry sweep' : 'status sync'}'s work waiting now: ${what}`,
        registers,
        async collect() {
          const r = await read();
          if (r) this.set(pick(r).count);
        },
      });
      new Gauge({
        name: `paygate_${job === 'sweep' ? 'expiry_sweep' : 'status_sync'}_oldest_due_age_seconds`,
        help: `How long the longest-waiting of the ${what} has been due (0 when none is)`,
        registers,
        async collect() {
          const r = await read();
          const oldest = r ? pick(r).oldestDueAt : null;
          if (r) this.set(oldest === null ? 0 : Math.max(0, r.now - oldest) / 1000);
        },
      });
    }
  }

  /** One database read per scrape; an unreachable database keeps the last values. */
  private read(): Promise<Reading | null> {
    this.reading ??= this.query().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async query(): Promise<Reading | null> {
    try {
      const now = Date.now();
      return await this.db.run(async (em) => {
        const discrepancies = new Map<string, number>();
        for (const text of await this.repository.latestDiscrepancies(em)) {
          for (const d of JSON.parse(text) as { type: string }[]) {
            discrepancies.set(d.type, (discrepancies.get(d.type) ?? 0) + 1);
          }
        }
        return {
          lastClearingSuccess: await this.repository.lastClearingSuccess(em),
          discrepancies,
          sweep: await this.repository.sweepBacklog(em, now),
          sync: await this.repository.syncBacklog(em, now),
          now,
        };
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'operations metrics could not be read');
      return null;
    }
  }
}
