/**
 * The circuit breaker of a channel, as a pure reading of its `channel_health` row. The row is
 * written by conditional statements (ChannelHealthRepository) so every instance agrees:
 * - closed: `open_until` is null;
 * - open: FAILURE_THRESHOLD consecutive failures set `open_until` = now + the open period;
 * - half open: once `open_until` has passed, one attempt claims a trial (`trial_until`); its
 *   success closes the circuit, its failure opens it again, and a trial that never reports
 *   expires at `trial_until` so another may be claimed.
 */
export const FAILURE_THRESHOLD = 5;

export interface CircuitRow {
  consecutiveFailures: number;
  openUntil: number | null;
  trialUntil: number | null;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export const CLOSED_CIRCUIT: CircuitRow = {
  consecutiveFailures: 0,
  openUntil: null,
  trialUntil: null,
};

export function circuitState(row: CircuitRow, now: number): CircuitState {
  if (row.openUntil === null) return 'closed';
  return now < row.openUntil ? 'open' : 'half_open';
}

/** What a new attempt may do now: go ahead, go ahead if it wins the trial, or not at all. */
export type Admission = 'pass' | 'trial' | 'refuse';

export function admission(row: CircuitRow, now: number): Admission {
  switch (circuitState(row, now)) {
    case 'closed':
      return 'pass';
    case 'open':
      return 'refuse';
    case 'half_open':
      return row.trialUntil !== null && now < row.trialUntil ? 'refuse' : 'trial';
  }
}
