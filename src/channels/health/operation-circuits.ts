import {
  admission,
  circuitState,
  CircuitRow,
  CircuitState,
  FAILURE_THRESHOLD,
} from './circuit-breaker';

/** What a provider call does: each has its own circuit, as each can fail on its own. */
export type ChannelOperation = 'create' | 'query' | 'close' | 'refund' | 'statement' | 'payer';

export const CHANNEL_OPERATIONS: readonly ChannelOperation[] = [
  'create',
  'query',
  'close',
  'refund',
  'statement',
  'payer',
];

/**
 * Circuits per channel and operation, for the calls other than payment creation (whose circuit
 * is shared by every instance through `channel_health`, since routing reads it): a provider
 * whose query, close, refund, statement or payer-authorization endpoint is down fails fast
 * after FAILURE_THRESHOLD consecutive failures for the open period, then lets one trial
 * through. Kept in memory per instance: each instance learns of an outage from its own calls.
 */
export class OperationCircuits {
  private readonly circuits = new Map<string, CircuitRow>();

  constructor(private readonly openMs: number) {}

  /** Whether a call may go now; a half-open circuit lets exactly one trial through. */
  admit(channelId: string, operation: ChannelOperation, now: number): boolean {
    const key = `${channelId}:${operation}`;
    const row = this.circuits.get(key);
    if (!row) return true;
    switch (admission(row, now)) {
      case 'pass':
        return true;
      case 'refuse':
        return false;
      case 'trial':
        this.circuits.set(key, { ...row, trialUntil: now + this.openMs });
        return true;
    }
  }

  succeeded(channelId: string, operation: ChannelOperation): void {
    this.circuits.delete(`${channelId}:${operation}`);
  }

  failed(channelId: string, operation: ChannelOperation, now: number): void {
    const key = `${channelId}:${operation}`;
    const row = this.circuits.get(key);
    const failures = (row?.consecutiveFailures ?? 0) + 1;
    const reopen = failures >= FAILURE_THRESHOLD || (row !== undefined && row.openUntil !== null);
    this.circuits.set(key, {
      consecutiveFailures: failures,
      openUntil: reopen ? now + this.openMs : null,
      trialUntil: null,
    });
  }

  state(channelId: string, operation: ChannelOperation, now: number): CircuitState {
    const row = this.circuits.get(`${channelId}:${operation}`);
    return row ? circuitState(row, now) : 'closed';
  }

  /** Every circuit that is not closed: what the metrics show. */
  notClosed(
    now: number,
  ): { channelId: string; operation: ChannelOperation; state: CircuitState }[] {
    const out: { channelId: string; operation: ChannelOperation; state: CircuitState }[] = [];
    for (const [key, row] of this.circuits) {
      const state = circuitState(row, now);
      if (state === 'closed') continue;
      const colon = key.lastIndexOf(':');
      out.push({
        channelId: key.slice(0, colon),
        operation: key.slice(colon + 1) as ChannelOperation,
        state,
      });
    }
    return out;
  }
}
