import { positionalStatement } from './positional-statement';

describe('positionalStatement', () => {
  const columns: [string, 'id' | 'amount', string?][] = [
    ['id', 'id'],
    ['amount', 'amount', 'bigint'],
  ];
  const insert = positionalStatement<{ row: { id: string; amount?: number }; at: number }>(
    (p) =>
      `INSERT INTO t (id, amount, at) SELECT ${p.columns(columns, (c) => c.row)}, ${p.param((c) => c.at, 'bigint')}`,
  );

  it('numbers the parameters in the order the text is written, with their casts', () => {
    expect(insert.text).toBe(
      'INSERT INTO t (id, amount, at) SELECT $1, CAST($2 AS bigint), CAST($3 AS bigint)',
    );
  });

  it('takes each value from the context, a missing one as NULL', () => {
    expect(insert.values({ row: { id: 'a', amount: 5 }, at: 9 })).toEqual(['a', 5, 9]);
    expect(insert.values({ row: { id: 'b' }, at: 1 })).toEqual(['b', null, 1]);
  });
});
