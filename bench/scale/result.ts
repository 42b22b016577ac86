/**
 * One measurement of `npm run bench:scale`: what was measured, the target it is held to, the
 * figure, and whether it met the target. Every part of the scale bench (reads, lists, stats,
 * clearing, CSV, reconciliation, queue draining) returns these, and the runner prints them as a
 * table and writes them to bench/results/scale-latest.json.
 */
export interface ScaleResult {
  /** Short stable name, e.g. `read.byId.p99`. */
  name: string;
  /** The target in words, e.g. `<= 1.10 x empty-db p99`. */
  target: string;
  value: number;
  /** Unit of `value`: `ms`, `MB`, `s`, `ratio`, `rows/s`... */
  unit: string;
  pass: boolean;
  /** Supporting figures (baseline, samples, counts) kept in the JSON output. */
  detail?: Record<string, unknown>;
}

export type ScaleEngine = 'postgres' | 'sqlite';
