import { v7 as uuidv7 } from 'uuid';

/**
 * Prefixed, time-ordered identifiers (`ord_0193…`): the prefix says what an id names, and the
 * UUIDv7 body sorts by creation time, which is what cursor pagination walks.
 */
export function newId(prefix: string): string {
  return `${prefix}_${uuidv7().replace(/-/g, '')}`;
}
