import { checkSettlementDate, hasEnded, previousSettlementDate } from './settlement-dates';

const SHANGHAI = 'Asia/Shanghai';

describe('settlement dates', () => {
  const now = Date.parse('2026-11-26T16:30:00.000Z'); // 00:30 on the 27th in Shanghai

  it('clears the day before at 00:30, even where a day has 23 hours', () => {
    expect(previousSettlementDate(now, SHANGHAI)).toBe('2026-11-26');
    // New York springs forward on 2026-03-08; at 00:30 on the 9th the day before is the 8th
    expect(previousSettlementDate(Date.parse('2026-03-09T04:30:00Z'), 'America/New_York')).toBe(
      '2026-03-08',
    );
  });

  it('ends a date at midnight in the settlement time zone', () => {
    expect(hasEnded('2026-11-26', SHANGHAI, Date.parse('2026-11-26T15:59:59.999Z'))).toBe(false);
    expect(hasEnded('2026-11-26', SHANGHAI, Date.parse('2026-11-26T16:00:00.000Z'))).toBe(true);
  });

  it('takes real dates that have begun; the future only when asked to', () => {
    expect(checkSettlementDate('2026-11-27', SHANGHAI, now)).toBe('2026-11-27');
    expect(() => checkSettlementDate('2026-11-28', SHANGHAI, now)).toThrow(
      expect.objectContaining({ reason: 'date_in_future' }),
    );
    expect(checkSettlementDate('2026-11-28', SHANGHAI, now, { allowFuture: true })).toBe(
      '2026-11-28',
    );
    for (const bad of ['2026-02-29', '2026-13-01', '26-11-27', '2026-11-27T00:00:00Z'])
      expect(() => checkSettlementDate(bad, SHANGHAI, now)).toThrow(
        expect.objectContaining({ reason: 'invalid_date' }),
      );
  });
});
