import { FAILURE_THRESHOLD } from './circuit-breaker';
import { OperationCircuits } from './operation-circuits';

const NOW = 1_764_000_000_000;
const OPEN_MS = 30_000;

describe('circuits per channel and operation', () => {
  it('opens the failing operation only, after the threshold of consecutive failures', () => {
    const circuits = new OperationCircuits(OPEN_MS);
    for (let i = 0; i < FAILURE_THRESHOLD - 1; i++) circuits.failed('ch_1', 'refund', NOW);
    expect(circuits.admit('ch_1', 'refund', NOW)).toBe(true);
    circuits.failed('ch_1', 'refund', NOW);
    expect(circuits.state('ch_1', 'refund', NOW)).toBe('open');
    expect(circuits.admit('ch_1', 'refund', NOW + 1)).toBe(false);
    // the same channel's queries, and another channel's refunds, go on
    expect(circuits.admit('ch_1', 'query', NOW + 1)).toBe(true);
    expect(circuits.admit('ch_2', 'refund', NOW + 1)).toBe(true);
    expect(circuits.notClosed(NOW + 1)).toEqual([
      { channelId: 'ch_1', operation: 'refund', state: 'open' },
    ]);
  });

  it('lets one trial through once the open period ends: success closes, failure reopens', () => {
    const circuits = new OperationCircuits(OPEN_MS);
    for (let i = 0; i < FAILURE_THRESHOLD; i++) circuits.failed('ch_1', 'statement', NOW);
    const later = NOW + OPEN_MS;
    expect(circuits.admit('ch_1', 'statement', later)).toBe(true);
    expect(circuits.admit('ch_1', 'statement', later)).toBe(false);
    circuits.failed('ch_1', 'statement', later);
    expect(circuits.state('ch_1', 'statement', later + 1)).toBe('open');
    expect(circuits.admit('ch_1', 'statement', later + OPEN_MS)).toBe(true);
    circuits.succeeded('ch_1', 'statement');
    expect(circuits.state('ch_1', 'statement', later + OPEN_MS)).toBe('closed');
    expect(circuits.admit('ch_1', 'statement', later + OPEN_MS)).toBe(true);
  });

  it('forgets failures after a success', () => {
    const circuits = new OperationCircuits(OPEN_MS);
    for (let i = 0; i < FAILURE_THRESHOLD - 1; i++) circuits.failed('ch_1', 'close', NOW);
    circuits.succeeded('ch_1', 'close');
    circuits.failed('ch_1', 'close', NOW);
    expect(circuits.state('ch_1', 'close', NOW)).toBe('closed');
  });
});
