import { setImmediate } from 'node:timers';
import { isDatabaseUnavailable } from './database-errors';

/** The two statements a coalesced write is made with. */
export interface CoalescedWriteForms<Item, Result> {
  /**
   * One atomic statement for several items (everything or nothing is written), answering one
   * result per item, in the items' order.
   */
  many(items: Item[]): Promise<Result[]>;
  /** The statement for one item alone: a batch of one, and each item again after a batch failed. */
  one(item: Item): Promise<Result>;
  /**
   * Items with the same key never share a batch (they go to the next one, sent at the same
   * time): for writes whose batch form could not tell two such items apart, as two claims of
   * one Idempotency-Key.
   */
  conflictKey?(item: Item): string | undefined;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Writes of one kind that arrive in the same turn of the event loop, sent as one statement.
 *
 * Under load many requests reach the same write at once (their previous statements' answers
 * arrive in the same poll of the event loop), and each statement costs a round trip, a commit
 * and the wake-up of a PostgreSQL backend. Each write
 * waits at most until the end of the turn it was asked in (`setImmediate`), never for a timer,
 * so a lone request is not slowed; its caller still resolves only after its own write has
 * committed, as before.
 *
 * A batch is atomic. When it fails for any reason but the database being unreachable (a
 * deadlock with another transaction, one item's bad value), nothing of it was written and each
 * item is written again alone, so that an item's failure is its own and the others succeed as
 * they would have alone. When the database is unreachable every item gets that error, which is
 * what each would have got alone. (Two batches that wait on each other's rows, as with two pairs
 * of requests repeating the same keys in crossed order, are a deadlock PostgreSQL breaks after
 * `deadlock_timeout`; the failed batch is then written item by item.)
 */
export class CoalescedWrites<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private flushScheduled = false;

  constructor(
    private readonly forms: CoalescedWriteForms<Item, Result>,
    private readonly maxBatch = 64,
  ) {}

  write(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    let waiting = this.waiting;
    this.waiting = [];
    while (waiting.length > 0) {
      const batch: Waiting<Item, Result>[] = [];
      const keys = new Set<string>();
      const later: Waiting<Item, Result>[] = [];
      for (const entry of waiting) {
        const key = this.forms.conflictKey?.(entry.item);
        if (batch.length === this.maxBatch || (key !== undefined && keys.has(key))) {
          later.push(entry);
          continue;
        }
        if (key !== undefined) keys.add(key);
        batch.push(entry);
      }
      void this.send(batch);
      waiting = later;
    }
  }

  private async send(batch: Waiting<Item, Result>[]): Promise<void> {
    if (batch.length === 1) return this.alone(batch[0]);
    let results: Result[];
    try {
      results = await this.forms.many(batch.map((waiting) => waiting.item));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
      } else {
        for (const waiting of batch) void this.alone(waiting);
      }
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
  }

  private async alone(waiting: Waiting<Item, Result>): Promise<void> {
    try {
      waiting.resolve(await this.forms.one(waiting.item));
    } catch (error) {
      waiting.reject(error);
    }
  }
}
