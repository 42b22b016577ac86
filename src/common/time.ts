/** Times leave the service as ISO 8601 UTC with milliseconds; inside they are epoch ms. */
export function iso(epochMs: number): string;
export function iso(epochMs: number | null | undefined): string | null;
export function iso(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined ? null : new Date(epochMs).toISOString();
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The settlement date (YYYY-MM-DD) of an instant: the calendar day in the settlement time zone
 * (SETTLEMENT_TZ), which is the day a movement lands on a bill.
 */
export function settlementDate(epochMs: number, timeZone: string): string {
  // the hot path asks about "now" again and again: answer from the day last found
  const last = lastDay.get(timeZone);
  if (last && epochMs >= last.start && epochMs < last.end) return last.date;
  const date = formatDay(epochMs, timeZone);
  const { start, end } = settlementDayBounds(date, timeZone);
  lastDay.set(timeZone, { date, start, end });
  return date;
}

const lastDay = new Map<string, { date: string; start: number; end: number }>();

function formatDay(epochMs: number, timeZone: string): string {
  let formatter = dayFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormatters.set(timeZone, formatter);
  }
  return formatter.format(epochMs);
}

/**
 * The instants [start, end) of a settlement date in a time zone, in epoch ms. Found by
 * searching, so it holds for any zone, daylight saving included.
 */
export function settlementDayBounds(
  date: string,
  timeZone: string,
): { start: number; end: number } {
  const [y, m, d] = date.split('-').map(Number);
  const startOf = (year: number, month: number, day: number): number => {
    // the zone's offset is within ±14 h of UTC: scan that window for the first instant of the day
    const utcMidnight = Date.UTC(year, month - 1, day);
    const target = new Date(utcMidnight).toISOString().slice(0, 10);
    let lo = utcMidnight - 15 * 3600_000;
    let hi = utcMidnight + 15 * 3600_000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (formatDay(mid, timeZone) >= target) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    start: startOf(y, m, d),
    end: startOf(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()),
  };
}

/** Is `text` a real calendar date written YYYY-MM-DD? */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  // month 13 or day 32 do not parse at all; Feb 30 parses and rolls over to March
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/**
 * The times the API takes: ISO 8601 in its extended form, a date (`2026-11-26`, midnight UTC)
 * or a date and time with seconds and fractions optional and a zone required (`Z` or
 * `+08:00`). Week dates (`2026-W49`), ordinal dates (`2026-337`), the basic form
 * (`20261203T000000Z`) and a time without a zone, all ISO 8601 too, are not taken: JavaScript
 * cannot read the first three, and the last means the reader's local time.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

/** Epoch milliseconds of an API time (see TIMESTAMP), or undefined when it is not one. */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const [offsetHours, offsetMinutes] = [10, 11].map((i) => Number(m[i] ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return undefined;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (m[9] === '-' ? -1 : 1);
  return date.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
