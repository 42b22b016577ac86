import { CoalescedWrites } from './coalesced-writes';

/** The batching itself, with plain functions standing for the two statements. */
describe('CoalescedWrites', () => {
  function writes(
    options: { failMany?: (items: number[]) => Error | undefined; maxBatch?: number } = {},
  ) {
    const calls: { many: number[][]; one: number[] } = { many: [], one: [] };
    const w = new CoalescedWrites<number, string>(
      {
        many: async (items) => {
          calls.many.push(items);
          const failure = options.failMany?.(items);
          if (failure) throw failure;
          return items.map((item) => `many:${item}`);
        },
        one: async (item) => {
          calls.one.push(item);
          if (item < 0) throw new Error(`bad item ${item}`);
          return `one:${item}`;
        },
        conflictKey: (item) => (item >= 100 ? 'shared' : undefined),
      },
      options.maxBatch,
    );
    return { w, calls };
  }

  it('sends what is asked in one turn as one batch, each caller getting its own result', async () => {
    const { w, calls } = writes();
    expect(await Promise.all([w.write(1), w.write(2), w.write(3)])).toEqual([
      'many:1',
      'many:2',
      'many:3',
    ]);
    expect(calls).toEqual({ many: [[1, 2, 3]], one: [] });
  });

  it('sends a lone write with the single statement, and later turns as batches of their own', async () => {
    const { w, calls } = writes();
    expect(await w.write(7)).toBe('one:7');
    await Promise.all([w.write(8), w.write(9)]);
    expect(calls).toEqual({ many: [[8, 9]], one: [7] });
  });

  it('splits at the batch limit and keeps items of one conflict key apart', async () => {
    const { w, calls } = writes({ maxBatch: 2 });
    const results = await Promise.all([1, 100, 101, 2, 3].map((n) => w.write(n)));
    expect(results).toEqual(['many:1', 'many:100', 'many:101', 'many:2', 'one:3']);
    expect(calls.many).toEqual([
      [1, 100],
      [101, 2],
    ]);
    expect(calls.one).toEqual([3]);
  });

  it('after a failed batch writes each item alone, so only the bad one fails', async () => {
    const { w, calls } = writes({
      failMany: (items) => (items.includes(-1) ? new Error('batch refused') : undefined),
    });
    const outcomes = await Promise.allSettled([w.write(1), w.write(-1), w.write(2)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'one:1' },
      { status: 'rejected', reason: new Error('bad item -1') },
      { status: 'fulfilled', value: 'one:2' },
    ]);
    expect(calls.one).toEqual([1, -1, 2]);
  });

  it('when the database is unreachable gives every item that error, without writing again', async () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {
      code: 'ECONNRESET',
    });
    const { w, calls } = writes({ failMany: () => lost });
    const outcomes = await Promise.allSettled([w.write(1), w.write(2)]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    expect(calls.one).toEqual([]);
  });
});
