import { forEachConcurrently } from './concurrency';

describe('forEachConcurrently', () => {
  it('never has more than the limit in flight, and runs every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const items = Array.from({ length: 25 }, (_, i) => i);
    await forEachConcurrently(items, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      seen.push(i);
      inFlight--;
    });
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(items);
  });

  it('finishes the other items when one fails, then rethrows the failure', async () => {
    const done: number[] = [];
    await expect(
      forEachConcurrently([1, 2, 3, 4], 2, async (i) => {
        if (i === 2) throw new Error('two failed');
        await Promise.resolve();
        done.push(i);
      }),
    ).rejects.toThrow('two failed');
    expect(done.sort()).toEqual([1, 3, 4]);
  });

  it('does nothing for no items', async () => {
    const work = jest.fn();
    await forEachConcurrently([], 3, work);
    expect(work).not.toHaveBeenCalled();
  });
});
