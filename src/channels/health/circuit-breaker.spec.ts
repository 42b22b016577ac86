import { admission, circuitState, CLOSED_CIRCUIT, CircuitRow } from './circuit-breaker';

const NOW = 1_764_000_000_000;

describe('circuit breaker reading', () => {
  it('is closed without an open time, whatever the failure count', () => {
    expect(circuitState(CLOSED_CIRCUIT, NOW)).toBe('closed');
    expect(admission({ ...CLOSED_CIRCUIT, consecutiveFailures: 4 }, NOW)).toBe('pass');
  });

  it('is open until the open period ends, then half open with one trial', () => {
    const opened: CircuitRow = {
      consecutiveFailures: 5,
      openUntil: NOW + 30_000,
      trialUntil: null,
    };
    expect(circuitState(opened, NOW)).toBe('open');
    expect(admission(opened, NOW)).toBe('refuse');
    expect(circuitState(opened, NOW + 30_000)).toBe('half_open');
    expect(admission(opened, NOW + 30_000)).toBe('trial');
  });

  it('refuses others while a trial is in flight, and offers a new trial once it expires', () => {
    const trying: CircuitRow = {
      consecutiveFailures: 5,
      openUntil: NOW - 1,
      trialUntil: NOW + 30_000,
    };
    expect(circuitState(trying, NOW)).toBe('half_open');
    expect(admission(trying, NOW)).toBe('refuse');
    expect(admission(trying, NOW + 30_000)).toBe('trial');
  });
});
