import { startOfDay } from '../../shared/time';

/** What the calendar needs of a clearing run (GET /v1/clearing/runs). */
export interface RunSummary {
  date: string;
  status: string;
  bill_status: string;
  bill_count: number | null;
  started_at: string;
}

/** What a settlement day shows on the calendar. */
export interface DayMark {
  /** The status of the day's bills (its newest succeeded run's), null when it has none. */
  bills: 'provisional' | 'final' | null;
  billCount: number;
  /** Clearing runs of the day, of any outcome. */
  runs: number;
  /** The newest run of the day failed. */
  failed: boolean;
}

/** "2026-12" of "2026-12-03". */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/** The first and last settlement dates of a month ("2026-02" → 2026-02-01 … 2026-02-28). */
export function monthBounds(month: string): { first: string; last: string } {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { first: `${month}-01`, last: `${month}-${String(last).padStart(2, '0')}` };
}

/** The marks of the days of `runs` (newest first, as the API lists them). */
export function dayMarks(runs: RunSummary[]): Map<string, DayMark> {
  const marks = new Map<string, DayMark>();
  const cleared = new Set<string>();
  for (const run of runs) {
    let mark = marks.get(run.date);
    if (!mark) {
      mark = { bills: null, billCount: 0, runs: 0, failed: run.status === 'failed' };
      marks.set(run.date, mark);
    }
    mark.runs += 1;
    // the newest succeeded run wrote the bills the day has now
    if (run.status === 'succeeded' && !cleared.has(run.date)) {
      cleared.add(run.date);
      mark.billCount = run.bill_count ?? 0;
      if (mark.billCount > 0) mark.bills = run.bill_status === 'final' ? 'final' : 'provisional';
    }
  }
  return marks;
}

/** One page of runs, newest first. */
export type RunPage<R extends RunSummary> = (
  cursor: string | undefined,
) => Promise<{ items: R[]; next_cursor?: string | null }>;

/**
 * The runs of a month's dates. The API lists runs newest first and a date cannot be cleared
 * before it begins, so once a run started before the month's first day, no later page holds a
 * run of the month: paging stops there (or after `maxPages`, then `complete` is false).
 */
export async function runsOfMonth<R extends RunSummary>(
  month: string,
  tz: string,
  page: RunPage<R>,
  maxPages = 20,
): Promise<{ runs: R[]; complete: boolean }> {
  const { first, last } = monthBounds(month);
  const monthStart = Date.parse(startOfDay(first, tz));
  const runs: R[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const { items, next_cursor } = await page(cursor);
    runs.push(...items.filter((r) => r.date >= first && r.date <= last));
    const oldest = items[items.length - 1];
    if (!next_cursor || !oldest || Date.parse(oldest.started_at) < monthStart) {
      return { runs, complete: true };
    }
    cursor = next_cursor;
  }
  return { runs, complete: false };
}
