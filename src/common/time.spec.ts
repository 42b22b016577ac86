import fc from 'fast-check';
import { isCalendarDate, parseTimestamp, settlementDate, settlementDayBounds } from './time';

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

describe('API times', () => {
  it.each([
    ['2026-12-03', '2026-12-03T00:00:00.000Z'],
    ['2026-12-03T00:00Z', '2026-12-03T00:00:00.000Z'],
    ['2026-12-03T08:00:00+08:00', '2026-12-03T00:00:00.000Z'],
    ['2026-12-02T19:30:00-04:30', '2026-12-03T00:00:00.000Z'],
    ['2026-12-03T00:00:00.123456789Z', '2026-12-03T00:00:00.123Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(new Date(parseTimestamp(text) as number).toISOString()).toBe(expected);
  });

  it.each([
    '2026-W49',
    '2026-W49-4',
    '2026-337',
    '20261203',
    '20261203T000000Z',
    '2026-12-03T00:00:00',
    '2026-12-03T00:00:00+0800',
    '2026-12-03T00:00:00+08',
    '+002026-12-03T00:00:00Z',
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-12-03T24:00:00Z',
    '2026-12-03T23:60:00Z',
    '2026-12-03T23:59:60Z',
    '2026-12-03t00:00:00z',
    ' 2026-12-03',
    '2026-12-03T00:00:00.Z',
    '',
  ])('refuses %j', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('agrees with Date for every time it reads in the common form', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        (date) => {
          expect(parseTimestamp(date.toISOString())).toBe(date.getTime());
        },
      ),
    );
  });
});
