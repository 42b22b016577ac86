import { TableColumnOptions } from 'typeorm';

/**
 * Column builders for migrations. Every type here means the same on SQLite and PostgreSQL, so
 * one migration history serves both engines: money and times are BIGINT (integer minor units,
 * epoch milliseconds), identifiers VARCHAR, structured values TEXT holding JSON.
 */
type Extra = Partial<TableColumnOptions>;

export const col = {
  id: (name = 'id', length = 40): TableColumnOptions => ({
    name,
    type: 'varchar',
    length: String(length),
    isPrimary: true,
  }),
  string: (name: string, length: number, extra: Extra = {}): TableColumnOptions => ({
    name,
    type: 'varchar',
    length: String(length),
    ...extra,
  }),
  text: (name: string, extra: Extra = {}): TableColumnOptions => ({ name, type: 'text', ...extra }),
  /** A 64-bit integer: money in minor units, counters. */
  bigint: (name: string, extra: Extra = {}): TableColumnOptions => ({
    name,
    type: 'bigint',
    ...extra,
  }),
  int: (name: string, extra: Extra = {}): TableColumnOptions => ({
    name,
    type: 'integer',
    ...extra,
  }),
  /** Epoch milliseconds, UTC. */
  time: (name: string, extra: Extra = {}): TableColumnOptions => ({
    name,
    type: 'bigint',
    ...extra,
  }),
  bool: (name: string, extra: Extra = {}): TableColumnOptions => ({
    name,
    type: 'boolean',
    ...extra,
  }),
};
