import { ValueTransformer } from 'typeorm';

/**
 * `pg` returns BIGINT as a string and better-sqlite3 as a number; amounts and epoch-millisecond
 * times are plain integers in code on both. A value outside the safe integer range is refused
 * loudly rather than rounded.
 */
export const BIGINT: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : toSafeInteger(value)),
};

export function toSafeInteger(value: unknown): number {
  const n =
    typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'number'
        ? value
        : Number(String(value));
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`integer column value ${String(value)} is outside the safe range`);
  }
  return n;
}

/** Nullable variant for aggregate results (`SUM` of no rows is NULL). */
export function toSafeIntegerOrZero(value: unknown): number {
  return value === null || value === undefined ? 0 : toSafeInteger(value);
}
