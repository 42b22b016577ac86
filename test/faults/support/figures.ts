import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a scenario reports: the counts the issue asks for, and whatever else it measured. */
export interface Figures {
  /** Requests the scenario's load sent (retries included). */
  sent: number;
  /** Of those, answered 2xx. */
  answered2xx: number;
  /** Of those, failed the way the fault makes them fail (listed in `expected`). */
  failedAsExpected: number;
  /** What the fault must not cost: acknowledged work missing, done twice, or half made. */
  lost: number;
  /** How the expected failures break down, e.g. {"503 unavailable": 40, "no answer": 3}. */
  expected: Record<string, number>;
  /** Anything else worth reporting (durations, retries, counts checked). */
  notes?: Record<string, number | string>;
}

const DIR = join(__dirname, '..', '..', '..', 'test-artifacts', 'faults');

/**
 * Prints a scenario's figures on one line (the suite's output is where they are read) and
 * keeps them as JSON in test-artifacts/faults/<scenario>.json.
 */
export function reportFigures(scenario: string, figures: Figures): void {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, `${scenario}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  const expected = Object.entries(figures.expected)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const notes = Object.entries(figures.notes ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stdout.write(
    `[faults] ${scenario}: sent ${figures.sent}, answered 2xx ${figures.answered2xx}, ` +
      `failed as expected ${figures.failedAsExpected} (${expected || 'none'}), lost ${figures.lost}` +
      `${notes ? ` | ${notes}` : ''}\n`,
  );
}

/** Adds one to `counts[key]`. */
export function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
