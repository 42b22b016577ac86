import { AppError } from '../errors/app-error';
import { decodeCursor, encodeCursor } from './pagination';

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify({ k: key })).toString('base64url');

function reasonOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.reason : String(error);
  }
}

describe('cursors', () => {
  it('gives back the key a list handed out, of its kind', () => {
    expect(decodeCursor(encodeCursor(1000001), 'integer')).toBe(1000001);
    expect(decodeCursor(encodeCursor('ord_0193a1f2'), 'text')).toBe('ord_0193a1f2');
    expect(decodeCursor(undefined, 'text')).toBeUndefined();
  });

  it.each([
    ['integer', 1.5],
    ['integer', -1],
    ['integer', 1e300],
    ['integer', 2 ** 53],
    ['integer', '1'],
    ['integer', null],
    ['text', 7],
    ['text', ''],
    ['text', 'a\u0000b'],
    ['text', 'naïve'],
    ['text', 'x'.repeat(201)],
    ['text', ['ord_1']],
    ['text', { k: 'ord_1' }],
    ['text', true],
  ] as const)('refuses a %s cursor holding %j', (kind, key) => {
    expect(reasonOf(() => decodeCursor(cursorOf(key), kind as 'text'))).toBe('invalid_cursor');
  });

  it.each(['not-a-cursor', '%%%', Buffer.from('[1]').toString('base64url'), ''])(
    'refuses %j',
    (cursor) => {
      expect(reasonOf(() => decodeCursor(cursor, 'text'))).toBe('invalid_cursor');
    },
  );
});
