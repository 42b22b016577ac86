import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { newId } from '../common/ids';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../common/pagination/pagination';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { BillsRepository, FinalBillsDifferError } from './bills.repository';
import { ClearingRunsRepository } from './clearing-runs.repository';
import {
  ClearingRunDto,
  ClearingRunPageDto,
  CreateClearingRunDto,
  ListClearingRunsQueryDto,
} from './dto/clearing-run.dto';
import { ClearingRunEntity, RunTrigger } from './entities/clearing-run.entity';
import { checkSettlementDate, hasEnded, previousSettlementDate } from './settlement-dates';

/**
 * Clearing runs: each one rebuilds the bills of one settlement date from that date's journal
 * entries, in one transaction, so a date's bills are always the complete result of one run.
 * Running a date again gives the same bills unless something was posted on it in between.
 */
@Injectable()
export class ClearingRunsService {
  private readonly logger = new Logger(ClearingRunsService.name);

  constructor(
    private readonly db: Database,
    private readonly runs: ClearingRunsRepository,
    private readonly bills: BillsRepository,
    private readonly config: AppConfig,
  ) {}

  async runManually(dto: CreateClearingRunDto): Promise<ClearingRunDto> {
    const now = Date.now();
    const date = checkSettlementDate(dto.date, this.config.env.SETTLEMENT_TZ, now);
    const run = this.newRun(date, 'manual', now);
    await this.db.run((em) => this.runs.insert(em, run));
    return toRunDto(await this.execute(run));
  }

  /**
   * The daily run: clears the day before `now`. Whichever instance claims the date's scheduled
   * run first does it; the others find it claimed and return null.
   */
  async runScheduled(now = Date.now()): Promise<ClearingRunDto | null> {
    const date = previousSettlementDate(now, this.config.env.SETTLEMENT_TZ);
    const run = { ...this.newRun(date, 'scheduled', now), scheduledDate: date };
    if (!(await this.db.run((em) => this.runs.insert(em, run)))) {
      this.logger.log({ date }, 'scheduled clearing already claimed by another instance');
      return null;
    }
    return toRunDto(await this.execute(run));
  }

  /**
   * Another try at a scheduled run of `date` that failed: a run of its own (the date's
   * scheduled claim stays with the failed one), made by the instance that held the claim.
   */
  async retryScheduled(date: string): Promise<ClearingRunDto> {
    const run = this.newRun(date, 'scheduled', Date.now());
    await this.db.run((em) => this.runs.insert(em, run));
    return toRunDto(await this.execute(run));
  }

  async listRuns(query: ListClearingRunsQueryDto): Promise<ClearingRunPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const date =
      query.date === undefined
        ? undefined
        : checkSettlementDate(query.date, this.config.env.SETTLEMENT_TZ, Date.now(), {
            allowFuture: true,
          });
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.runs.list(em, {
        date,
        beforeRunId: before,
        limit,
      }),
    );
    return toPage(rows, limit, (r) => r.runId, toRunDto);
  }

  private newRun(date: string, trigger: RunTrigger, now: number): ClearingRunEntity {
    return {
      runId: newId('clr'),
      settlementDate: date,
      trigger,
      scheduledDate: null,
      status: 'running',
      // decided before reading the journal: a run that starts before the day's end is provisional
      billStatus: hasEnded(date, this.config.env.SETTLEMENT_TZ, now) ? 'final' : 'provisional',
      billCount: null,
      error: null,
      startedAt: now,
      finishedAt: null,
    };
  }

  private async execute(run: ClearingRunEntity): Promise<ClearingRunEntity> {
    const date = run.settlementDate;
    let billCount: number;
    try {
      billCount = await this.db.transaction(async (em) => {
        const generatedAt = Date.now();
        await this.bills.lockDate(em, date, run.runId, generatedAt);
        return this.bills.replaceBills(em, date, {
          runId: run.runId,
          status: run.billStatus,
          generatedAt,
        });
      });
    } catch (error) {
      this.logger.error({ err: error, run_id: run.runId, date }, 'clearing run failed');
      const reason =
        error instanceof AppError
          ? error.reason
          : error instanceof FinalBillsDifferError
            ? 'final_bills_differ'
            : 'internal_error';
      await this.db.run((em) =>
        this.runs.finish(
          em,
          run.runId,
          {
            status: 'failed',
            billCount: null,
            error: `${reason}; see the log for run ${run.runId}`,
          },
          Date.now(),
        ),
      );
      throw error;
    }
    const finished = await this.db.run((em) =>
      this.runs.finish(em, run.runId, { status: 'succeeded', billCount, error: null }, Date.now()),
    );
    this.logger.log({ run_id: run.runId, date, bills: billCount }, 'clearing run finished');
    return finished ?? run;
  }
}

export function toRunDto(run: ClearingRunEntity): ClearingRunDto {
  return {
    run_id: run.runId,
    date: run.settlementDate,
    status: run.status,
    bill_status: run.billStatus,
    bill_count: run.billCount,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    trigger: run.trigger,
    error: run.error,
  };
}
