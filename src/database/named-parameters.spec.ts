import { bindNamedParameters } from './named-parameters';

describe('bindNamedParameters', () => {
  it('numbers PostgreSQL placeholders, one per name', () => {
    expect(bindNamedParameters('SELECT :a, :b, :a', { a: 1, b: 2 }, 'postgres')).toEqual([
      'SELECT $1, $2, $1',
      [1, 2],
    ]);
  });

  it('repeats values for SQLite question marks', () => {
    expect(bindNamedParameters('SELECT :a, :b, :a', { a: 1, b: 2 }, 'sqlite')).toEqual([
      'SELECT ?, ?, ?',
      [1, 2, 1],
    ]);
  });

  it('expands lists', () => {
    expect(
      bindNamedParameters(
        'WHERE s IN (:...from) AND x = :x',
        { from: ['A', 'B'], x: 3 },
        'postgres',
      ),
    ).toEqual(['WHERE s IN ($1, $2) AND x = $3', ['A', 'B', 3]]);
    expect(bindNamedParameters('WHERE s IN (:...from)', { from: ['A'] }, 'sqlite')).toEqual([
      'WHERE s IN (?)',
      ['A'],
    ]);
  });

  it('leaves casts and unknown names alone', () => {
    expect(
      bindNamedParameters("SELECT CAST(:a AS bigint), '1'::int, :nope", { a: 5 }, 'postgres'),
    ).toEqual(["SELECT CAST($1 AS bigint), '1'::int, :nope", [5]]);
  });

  it('gives the same answer from its cache', () => {
    const sql = 'UPDATE t SET v = :v WHERE id = :id';
    expect(bindNamedParameters(sql, { v: 1, id: 'x' }, 'postgres')).toEqual(
      bindNamedParameters(sql, { v: 1, id: 'x' }, 'postgres'),
    );
    expect(bindNamedParameters(sql, { v: 2, id: 'y' }, 'postgres')[1]).toEqual([2, 'y']);
  });

  it('keeps apart the plans of one text with every name given and with some missing', () => {
    const sql = 'SELECT :a, :b';
    for (let i = 0; i < 2; i++) {
      expect(bindNamedParameters(sql, { a: 1, b: 2 }, 'postgres')).toEqual([
        'SELECT $1, $2',
        [1, 2],
      ]);
      expect(bindNamedParameters(sql, { a: 1 }, 'postgres')).toEqual(['SELECT $1, :b', [1]]);
      expect(bindNamedParameters(sql, { a: 1, b: 2 }, 'sqlite')).toEqual(['SELECT ?, ?', [1, 2]]);
      expect(bindNamedParameters(sql, { b: 2 }, 'sqlite')).toEqual(['SELECT :a, ?', [2]]);
    }
  });
});
