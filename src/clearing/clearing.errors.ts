import { AppError } from '../common/errors/app-error';

export class ClearingError extends AppError {
  static invalidDate(field = 'date'): ClearingError {
    return new ClearingError('invalid_date', { field }, [
      { field, message: `${field} must be a real calendar date written YYYY-MM-DD` },
    ]);
  }
  static dateInFuture(date: string, timeZone: string): ClearingError {
    return new ClearingError('date_in_future', { date, time_zone: timeZone });
  }
  static sourceIdMismatch(sourceId: number): ClearingError {
    return new ClearingError('source_id_mismatch', { source_id: sourceId });
  }
  static billNotFound(): ClearingError {
    return new ClearingError('bill_not_found');
  }
  static entryNotFound(): ClearingError {
    return new ClearingError('journal_entry_not_found');
  }
  static entryAlreadyReversed(entryId: string): ClearingError {
    return new ClearingError('entry_already_reversed', { entry_id: entryId });
  }
  static entryNotReversible(kind: string): ClearingError {
    return new ClearingError('entry_not_reversible', { kind });
  }
  static statementUnavailable(date: string, detail: string): ClearingError {
    return new ClearingError('statement_unavailable', { date, detail });
  }
  static channelUnavailable(retryAfter = 30): ClearingError {
    return new ClearingError('channel_unavailable', { retry_after: retryAfter }, undefined, {
      'retry-after': String(retryAfter),
    });
  }
}
