import { dayMarks, monthBounds, runsOfMonth, type RunSummary } from './calendar';

function run(date: string, startedAt: string, fields: Partial<RunSummary> = {}): RunSummary {
  return {
    date,
    status: 'succeeded',
    bill_status: 'final',
    bill_count: 2,
    started_at: startedAt,
    ...fields,
  };
}

describe('the bills calendar: which days have bills and runs', () => {
  it('knows the length of each month, leap years included', () => {
    expect(monthBounds('2026-02')).toEqual({ first: '2026-02-01', last: '2026-02-28' });
    expect(monthBounds('2028-02')).toEqual({ first: '2028-02-01', last: '2028-02-29' });
    expect(monthBounds('2026-12')).toEqual({ first: '2026-12-01', last: '2026-12-31' });
  });

  it('marks a day with what its newest succeeded run wrote, counting every run', () => {
    // newest first: today's provisional run, then yesterday's final run after a provisional one
    const marks = dayMarks([
      run('2026-12-03', '2026-12-03T04:00:00Z', { bill_status: 'provisional', bill_count: 1 }),
      run('2026-12-02', '2026-12-02T17:00:00Z', { bill_status: 'final', bill_count: 3 }),
      run('2026-12-02', '2026-12-02T06:00:00Z', { bill_status: 'provisional', bill_count: 2 }),
    ]);
    expect(marks.get('2026-12-03')).toEqual({
      bills: 'provisional',
      billCount: 1,
      runs: 1,
      failed: false,
    });
    expect(marks.get('2026-12-02')).toEqual({
      bills: 'final',
      billCount: 3,
      runs: 2,
      failed: false,
    });
    expect(marks.has('2026-12-01')).toBe(false);
  });

  it('keeps the bills of an earlier run when the newest run failed, and says it failed', () => {
    const marks = dayMarks([
      run('2026-12-02', '2026-12-03T01:00:00Z', { status: 'failed', bill_count: null }),
      run('2026-12-02', '2026-12-02T17:00:00Z', { bill_status: 'final', bill_count: 4 }),
    ]);
    expect(marks.get('2026-12-02')).toEqual({
      bills: 'final',
      billCount: 4,
      runs: 2,
      failed: true,
    });
  });

  it('a run that found nothing to bill marks a run but no bills', () => {
    const marks = dayMarks([run('2026-12-01', '2026-12-01T17:00:00Z', { bill_count: 0 })]);
    expect(marks.get('2026-12-01')).toEqual({ bills: null, billCount: 0, runs: 1, failed: false });
  });

  it('pages through runs until one started before the month began (Asia/Shanghai)', async () => {
    const pages: Record<string, { items: RunSummary[]; next_cursor: string | null }> = {
      first: {
        items: [
          run('2026-12-02', '2026-12-02T17:00:00Z'),
          // a late re-run of a November date, started in December
          run('2026-11-20', '2026-12-01T03:00:00Z'),
        ],
        next_cursor: 'c2',
      },
      c2: {
        // 2026-12-01 00:30 in Shanghai is 2026-11-30T16:30Z: still December's
        items: [
          run('2026-12-01', '2026-11-30T16:30:00Z'),
          run('2026-11-30', '2026-11-30T15:00:00Z'),
        ],
        next_cursor: 'c3',
      },
      c3: { items: [run('2026-11-29', '2026-11-29T16:30:00Z')], next_cursor: 'c4' },
    };
    const asked: (string | undefined)[] = [];
    const result = await runsOfMonth('2026-12', 'Asia/Shanghai', async (cursor) => {
      asked.push(cursor);
      return pages[cursor ?? 'first'];
    });
    expect(asked).toEqual([undefined, 'c2']);
    expect(result.complete).toBe(true);
    expect(result.runs.map((r) => r.date)).toEqual(['2026-12-02', '2026-12-01']);
  });

  it('stops at the last page, and says when it gave up before reaching the month', async () => {
    const single = await runsOfMonth('2026-12', 'UTC', async () => ({
      items: [run('2026-12-02', '2026-12-02T01:00:00Z')],
      next_cursor: null,
    }));
    expect(single).toEqual({ runs: [run('2026-12-02', '2026-12-02T01:00:00Z')], complete: true });

    let calls = 0;
    const endless = await runsOfMonth(
      '2026-01',
      'UTC',
      async () => {
        calls += 1;
        return { items: [run('2026-12-02', '2026-12-02T01:00:00Z')], next_cursor: 'more' };
      },
      3,
    );
    expect(calls).toBe(3);
    expect(endless).toEqual({ runs: [], complete: false });
  });
});
