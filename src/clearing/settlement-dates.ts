import { isCalendarDate, settlementDate, settlementDayBounds } from '../common/time';
import { ClearingError } from './clearing.errors';

/**
 * A settlement date given by a caller: a real calendar date, and (unless `allowFuture`) one
 * that has begun in the settlement time zone. Today is allowed: it clears provisionally.
 */
export function checkSettlementDate(
  date: string,
  timeZone: string,
  now: number,
  options: { allowFuture?: boolean; field?: string } = {},
): string {
  if (!isCalendarDate(date)) throw ClearingError.invalidDate(options.field);
  if (!options.allowFuture && date > settlementDate(now, timeZone))
    throw ClearingError.dateInFuture(date, timeZone);
  return date;
}

/** Has the settlement date ended at `now`? Its bills are final only then. */
export function hasEnded(date: string, timeZone: string, now: number): boolean {
  return now >= settlementDayBounds(date, timeZone).end;
}

/** The settlement date before the one `now` falls on: what the daily run clears. */
export function previousSettlementDate(now: number, timeZone: string): string {
  const today = settlementDayBounds(settlementDate(now, timeZone), timeZone);
  return settlementDate(today.start - 1, timeZone);
}
