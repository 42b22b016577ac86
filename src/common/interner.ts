/**
 * One shared copy of each value a column repeats (a currency, a status, a channel code): the
 * database drivers make a new string per row, which a list of many thousand rows held at once
 * pays for on every row.
 */
export class Interner {
  private readonly seen = new Map<string, string>();

  of<T extends string | null>(value: T): T {
    if (value === null) return value;
    const known = this.seen.get(value);
    if (known !== undefined) return known as T;
    this.seen.set(value, value);
    return value;
  }
}
