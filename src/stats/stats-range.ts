import { AppError } from '../common/errors/app-error';
import { isCalendarDate, settlementDate, settlementDayBounds } from '../common/time';

export type Granularity = 'hour' | 'day';

/** A half-open span of instants [from, to), epoch ms. */
export interface Span {
  from: number;
  to: number;
}

export interface Bucket extends Span {
  /** The bucket's start as local time in the zone, with its offset: `2026-11-01T01:00:00-04:00`. */
  label: string;
}

export const MAX_RANGE_DAYS = 366;
export const MAX_HOUR_BUCKETS = 24 * 31 + 1;

const DAY_MS = 86_400_000;

/**
 * A statistics range from the query: `from` and `to` are settlement dates (YYYY-MM-DD, whole
 * days in the zone, `to` included) or ISO 8601 instants (`to` excluded).
 */
export function parseRange(from: string, to: string, timeZone: string): Span {
  const start = isCalendarDate(from)
    ? settlementDayBounds(from, timeZone).start
    : instant(from, 'from');
  const end = isCalendarDate(to) ? settlementDayBounds(to, timeZone).end : instant(to, 'to');
  if (end <= start) {
    throw AppError.validation([{ field: 'to', message: 'to must come after from' }]);
  }
  if (end - start > MAX_RANGE_DAYS * DAY_MS + 2 * 3_600_000) {
    throw AppError.validation([
      { field: 'to', message: `the range must be at most ${MAX_RANGE_DAYS} days` },
    ]);
  }
  return { from: start, to: end };
}

/** The period of the same length just before `span`, for comparison. */
export function previousSpan(span: Span): Span {
  return { from: span.from - (span.to - span.from), to: span.from };
}

/**
 * The buckets of `span` in the zone: its local days or local hours, each the instants
 * [start, next start). Daylight saving makes some days 23 or 25 hours long, and repeats or
 * skips an hour; the buckets follow the clock of the zone, so each is what a person there
 * calls that day or that hour. The first and last are cut at the span's ends.
 */
export function buckets(span: Span, granularity: Granularity, timeZone: string): Bucket[] {
  const starts: number[] = [span.from];
  for (let at = nextStart(span.from, granularity, timeZone); at < span.to;) {
    starts.push(at);
    if (granularity === 'hour' && starts.length > MAX_HOUR_BUCKETS) {
      throw AppError.validation([
        { field: 'granularity', message: 'hourly buckets cover at most 31 days; use day' },
      ]);
    }
    at = nextStart(at, granularity, timeZone);
  }
  return starts.map((from, i) => ({
    from,
    to: starts[i + 1] ?? span.to,
    label: localIso(from, timeZone),
  }));
}

/** The start of the local day or hour after the one holding `at`. */
function nextStart(at: number, granularity: Granularity, timeZone: string): number {
  if (granularity === 'day') return settlementDayBounds(settlementDate(at, timeZone), timeZone).end;
  // the local hour holding `at` starts at its minute and second zero; the next one an hour on
  // (re-aligned, for the few zones whose daylight saving moves the clock by half an hour)
  const { minute, second } = wallClock(at, timeZone);
  const hourStart = at - (minute * 60 + second) * 1000 - (at % 1000);
  const next = hourStart + 3_600_000;
  const drift = wallClock(next, timeZone).minute;
  return drift === 0 ? next : next - drift * 60_000;
}

function instant(text: string, field: string): number {
  const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) {
    throw AppError.validation([
      { field, message: `${field} must be a date (YYYY-MM-DD) or an ISO 8601 time` },
    ]);
  }
  return at;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

function wallClock(at: number, timeZone: string): WallClock {
  let format = clocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    clocks.set(timeZone, format);
  }
  const parts = Object.fromEntries(
    format
      .formatToParts(at)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as unknown as WallClock;
  return parts;
}

/** Local time of `at` in the zone, ISO 8601 with the zone's offset then. */
export function localIso(at: number, timeZone: string): string {
  const c = wallClock(at, timeZone);
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  const offsetMinutes = Math.round((asUtc - (at - (at % 1000))) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${c.year}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}${offset}`;
}
