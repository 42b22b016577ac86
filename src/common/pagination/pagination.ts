import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppError } from '../errors/app-error';
import { QueryInt } from '../validation/decorators';

/** `limit` and `cursor` of every list endpoint. */
export class PageQueryDto {
  /** Items per page, 1 to 100. */
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** Opaque cursor from the previous page's `next_cursor`. */
  // this file is not a *.dto.ts, so the Swagger plugin does not read it: say it here
  @ApiPropertyOptional({
    maxLength: 200,
    description: "Opaque cursor from the previous page's `next_cursor`.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;

/** Cursors are the sort key of the last item, wrapped so clients treat them as opaque. */
export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

/** The sort key a list's cursor holds: an integer (a merchant code, a line number) or text (an id). */
export type CursorKind = 'integer' | 'text';

/** Text keys are ids: printable ASCII, as every id paygate hands out is. */
const TEXT_KEY = /^[\x20-\x7e]{1,200}$/;

/**
 * The key of a cursor this list handed out, of the list's kind; anything else, however it was
 * made, is 400 `invalid_cursor` before it can reach a query (PostgreSQL refuses to compare a
 * bigint with 1.5, or text holding U+0000, and would answer 500).
 */
export function decodeCursor(cursor: string | undefined, kind: 'integer'): number | undefined;
export function decodeCursor(cursor: string | undefined, kind: 'text'): string | undefined;
export function decodeCursor(
  cursor: string | undefined,
  kind: CursorKind,
): string | number | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown }).k;
  } catch {
    throw new AppError('invalid_cursor');
  }
  if (kind === 'integer' && typeof key === 'number' && Number.isSafeInteger(key) && key >= 0) {
    return key;
  }
  if (kind === 'text' && typeof key === 'string' && TEXT_KEY.test(key)) return key;
  throw new AppError('invalid_cursor');
}

/**
 * Builds a page from `limit + 1` rows fetched in order: the extra row only says whether
 * another page exists.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string | number,
  map: (row: Row) => Item,
): Page<Item> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    items: pageRows.map(map),
    next_cursor: more ? encodeCursor(keyOf(pageRows[pageRows.length - 1])) : null,
  };
}
