import { buckets, localIso, parseRange, previousSpan } from './stats-range';

describe('statistics ranges and buckets in the settlement time zone', () => {
  it('reads dates as whole local days, to included; instants as given, to excluded', () => {
    const days = parseRange('2026-11-26', '2026-11-27', 'Asia/Shanghai');
    expect(new Date(days.from).toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(new Date(days.to).toISOString()).toBe('2026-11-27T16:00:00.000Z');
    const exact = parseRange('2026-11-26T01:30:00Z', '2026-11-26T02:00:00Z', 'Asia/Shanghai');
    expect(exact.to - exact.from).toBe(30 * 60_000);
    expect(previousSpan(days)).toEqual({ from: days.from - 2 * 86_400_000, to: days.from });
  });

  it('refuses an empty or reversed range, a bad value and more than 366 days', () => {
    expect(() => parseRange('2026-11-27', '2026-11-26', 'UTC')).toThrow('validation_failed');
    expect(() => parseRange('yesterday', '2026-11-26', 'UTC')).toThrow('validation_failed');
    expect(() => parseRange('2026-02-30', '2026-03-01', 'UTC')).toThrow('validation_failed');
    expect(() => parseRange('2025-01-01', '2026-01-02', 'UTC')).toThrow('validation_failed');
    expect(() => parseRange('2025-01-01', '2026-01-01', 'UTC')).not.toThrow();
  });

  it('makes a 23-hour and a 25-hour day where daylight saving starts and ends (New York)', () => {
    const zone = 'America/New_York';
    const span = parseRange('2026-03-07', '2026-03-09', zone);
    const days = buckets(span, 'day', zone);
    expect(days.map((d) => [d.label, (d.to - d.from) / 3_600_000])).toEqual([
      ['2026-03-07T00:00:00-05:00', 24],
      ['2026-03-08T00:00:00-05:00', 23],
      ['2026-03-09T00:00:00-04:00', 24],
    ]);
    const autumn = buckets(parseRange('2026-11-01', '2026-11-01', zone), 'day', zone);
    expect(autumn.map((d) => (d.to - d.from) / 3_600_000)).toEqual([25]);
  });

  it('labels the repeated hour twice and skips the missing one, each bucket an hour long', () => {
    const zone = 'America/New_York';
    const fall = buckets(parseRange('2026-11-01', '2026-11-01', zone), 'hour', zone);
    expect(fall).toHaveLength(25);
    expect(fall.slice(0, 4).map((b) => b.label)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:00:00-05:00',
      '2026-11-01T02:00:00-05:00',
    ]);
    for (const b of fall) expect(b.to - b.from).toBe(3_600_000);
    const spring = buckets(parseRange('2026-03-08', '2026-03-08', zone), 'hour', zone);
    expect(spring).toHaveLength(23);
    expect(spring.map((b) => b.label.slice(11, 13))).not.toContain('02');
  });

  it('follows half-hour offsets, and cuts the first and last bucket at the range', () => {
    const india = buckets(
      parseRange('2026-11-26', '2026-11-26', 'Asia/Kolkata'),
      'hour',
      'Asia/Kolkata',
    );
    expect(india).toHaveLength(24);
    expect(new Date(india[0].from).toISOString()).toBe('2026-11-25T18:30:00.000Z');
    const span = parseRange('2026-11-26T01:20:00Z', '2026-11-26T03:10:00Z', 'UTC');
    expect(buckets(span, 'hour', 'UTC').map((b) => [b.label, (b.to - b.from) / 60_000])).toEqual([
      ['2026-11-26T01:20:00+00:00', 40],
      ['2026-11-26T02:00:00+00:00', 60],
      ['2026-11-26T03:00:00+00:00', 10],
    ]);
  });

  it('keeps hourly buckets to 31 days', () => {
    expect(() => buckets(parseRange('2026-01-01', '2026-03-01', 'UTC'), 'hour', 'UTC')).toThrow(
      'validation_failed',
    );
    expect(buckets(parseRange('2026-01-01', '2026-01-31', 'UTC'), 'hour', 'UTC')).toHaveLength(744);
  });

  it('writes local time with the offset of that instant', () => {
    expect(localIso(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe(
      '2026-07-01T14:00:00+02:00',
    );
    expect(localIso(Date.parse('2026-01-01T12:00:00Z'), 'Asia/Shanghai')).toBe(
      '2026-01-01T20:00:00+08:00',
    );
  });
});
