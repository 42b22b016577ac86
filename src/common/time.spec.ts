import { isCalendarDate, settlementDate, settlementDayBounds } from './time';

describe('settlement days', () => {
  it('is the calendar day in the settlement time zone', () => {
    // 2026-11-26T15:59:59.999Z is 23:59:59.999 in Shanghai; a millisecond later is the 27th
    expect(settlementDate(Date.parse('2026-11-26T15:59:59.999Z'), 'Asia/Shanghai')).toBe(
      '2026-11-26',
    );
    expect(settlementDate(Date.parse('2026-11-26T16:00:00.000Z'), 'Asia/Shanghai')).toBe(
      '2026-11-27',
    );
    expect(settlementDate(Date.parse('2026-11-26T16:00:00.000Z'), 'UTC')).toBe('2026-11-26');
  });

  it('gives the bounds of a day, across daylight saving changes too', () => {
    expect(settlementDayBounds('2026-11-27', 'Asia/Shanghai')).toEqual({
      start: Date.parse('2026-11-26T16:00:00.000Z'),
      end: Date.parse('2026-11-27T16:00:00.000Z'),
    });
    const spring = settlementDayBounds('2026-03-08', 'America/New_York');
    expect(spring.end - spring.start).toBe(23 * 3600_000);
    expect(settlementDayBounds('2026-12-31', 'UTC')).toEqual({
      start: Date.parse('2026-12-31T00:00:00Z'),
      end: Date.parse('2027-01-01T00:00:00Z'),
    });
  });

  it('knows real dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-2-1')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-01-32')).toBe(false);
  });
});
