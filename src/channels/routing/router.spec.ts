import { CircuitRow } from '../health/circuit-breaker';
import { ChannelSnapshot, routeOrder, RouterInput, volumeKey } from './router';

const NOW = 1_764_000_000_000;

function channel(code: string, extra: Partial<ChannelSnapshot> = {}): ChannelSnapshot {
  return {
    channelId: `chn_${code}`,
    code,
    provider: 'sandbox',
    enabled: true,
    priority: 0,
    weight: 100,
    feeRateBps: 0,
    fixedFee: 0,
    minAmount: null,
    maxAmount: null,
    dailyLimit: null,
    currencies: ['CNY'],
    merchants: [],
    ...extra,
  };
}

/** mulberry32: a small seeded generator, so weighted draws repeat exactly. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function input(channels: ChannelSnapshot[], extra: Partial<RouterInput> = {}): RouterInput {
  return {
    request: { amount: 1000, currency: 'CNY', sourceId: 1000001 },
    channels,
    health: new Map(),
    volumes: new Map(),
    now: NOW,
    random: seeded(42),
    ...extra,
  };
}

describe('routeOrder', () => {
  it('tries the highest priority group first, then the next groups', () => {
    const decision = routeOrder(
      input([
        channel('low', { priority: -5 }),
        channel('high_a', { priority: 10 }),
        channel('mid', { priority: 0 }),
        channel('high_b', { priority: 10 }),
      ]),
    );
    const codes = decision.candidates.map((c) => c.code);
    expect(codes.slice(0, 2).sort()).toEqual(['high_a', 'high_b']);
    expect(codes.slice(2)).toEqual(['mid', 'low']);
    expect(decision.candidates.map((c) => c.probability)).toEqual([0.5, 0.5, 1, 1]);
    expect(decision.excluded).toEqual([]);
  });

  it('draws the first candidate of a group in proportion to the weights', () => {
    const channels = [
      channel('a', { weight: 100 }),
      channel('b', { weight: 300 }),
      channel('c', { weight: 600 }),
    ];
    const random = seeded(7);
    const firsts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      firsts[routeOrder(input(channels, { random })).candidates[0].code]++;
    }
    expect(firsts.a / draws).toBeCloseTo(0.1, 1);
    expect(firsts.b / draws).toBeCloseTo(0.3, 1);
    expect(firsts.c / draws).toBeCloseTo(0.6, 1);
    // within 1.5 percentage points of the expected share
    expect(Math.abs(firsts.c / draws - 0.6)).toBeLessThan(0.015);
    const decision = routeOrder(input(channels));
    expect(decision.candidates).toHaveLength(3);
    expect(Object.fromEntries(decision.candidates.map((c) => [c.code, c.probability]))).toEqual({
      a: 0.1,
      b: 0.3,
      c: 0.6,
    });
  });

  it('repeats the same order for the same seed', () => {
    const channels = ['a', 'b', 'c', 'd'].map((code) => channel(code));
    const once = routeOrder(input(channels, { random: seeded(9) })).candidates.map((c) => c.code);
    const again = routeOrder(input(channels, { random: seeded(9) })).candidates.map((c) => c.code);
    expect(again).toEqual(once);
  });

  it('excludes each channel with the first rule it fails', () => {
    const open: CircuitRow = { consecutiveFailures: 5, openUntil: NOW + 1000, trialUntil: null };
    const decision = routeOrder(
      input(
        [
          channel('ok'),
          channel('off', { enabled: false }),
          channel('usd_only', { currencies: ['USD'] }),
          channel('too_small', { minAmount: 5000 }),
          channel('too_big', { maxAmount: 999 }),
          channel('others', { merchants: [1000002] }),
          channel('full', { dailyLimit: 10_000 }),
          channel('broken'),
        ],
        {
          health: new Map([['chn_broken', open]]),
          volumes: new Map([[volumeKey('chn_full', 'CNY'), 9_500]]),
        },
      ),
    );
    expect(decision.candidates.map((c) => c.code)).toEqual(['ok']);
    expect(decision.excluded).toEqual([
      { code: 'broken', reason: 'circuit_open' },
      { code: 'full', reason: 'daily_limit' },
      { code: 'off', reason: 'disabled' },
      { code: 'others', reason: 'merchant' },
      { code: 'too_big', reason: 'amount_range' },
      { code: 'too_small', reason: 'amount_range' },
      { code: 'usd_only', reason: 'currency' },
    ]);
  });

  it('takes the amount bounds and the daily limit inclusively', () => {
    const decision = routeOrder(
      input(
        [
          channel('exact', { minAmount: 1000, maxAmount: 1000 }),
          channel('last', { dailyLimit: 10_000 }),
        ],
        { volumes: new Map([[volumeKey('chn_last', 'CNY'), 9_000]]) },
      ),
    );
    expect(decision.candidates.map((c) => c.code).sort()).toEqual(['exact', 'last']);
  });

  it('counts the daily limit per currency', () => {
    const decision = routeOrder(
      input([channel('two', { currencies: ['CNY', 'USD'], dailyLimit: 1000 })], {
        volumes: new Map([[volumeKey('chn_two', 'USD'), 1000]]),
      }),
    );
    expect(decision.candidates.map((c) => c.code)).toEqual(['two']);
  });

  it('lets a merchant on the list through', () => {
    const decision = routeOrder(input([channel('mine', { merchants: [1000001, 1000003] })]));
    expect(decision.candidates.map((c) => c.code)).toEqual(['mine']);
  });

  it('offers a half-open channel for one trial, and not while the trial is in flight', () => {
    const halfOpen: CircuitRow = { consecutiveFailures: 5, openUntil: NOW - 1, trialUntil: null };
    const trying: CircuitRow = { ...halfOpen, trialUntil: NOW + 30_000 };
    const expired: CircuitRow = { ...halfOpen, trialUntil: NOW - 1 };
    const decision = routeOrder(
      input([channel('half'), channel('trying'), channel('expired')], {
        health: new Map([
          ['chn_half', halfOpen],
          ['chn_trying', trying],
          ['chn_expired', expired],
        ]),
      }),
    );
    expect(decision.candidates.map((c) => c.code).sort()).toEqual(['expired', 'half']);
    expect(decision.excluded).toEqual([{ code: 'trying', reason: 'circuit_open' }]);
  });

  it('forces one channel: the others are not_requested and it still must pass its rules', () => {
    const channels = [
      channel('a', { priority: 5 }),
      channel('b'),
      channel('c', { enabled: false }),
    ];
    const forced = routeOrder(
      input(channels, {
        request: { amount: 1000, currency: 'CNY', sourceId: 1, channelCode: 'b' },
      }),
    );
    expect(forced.candidates.map((c) => c.code)).toEqual(['b']);
    expect(forced.candidates[0].probability).toBe(1);
    expect(forced.excluded).toEqual([
      { code: 'a', reason: 'not_requested' },
      { code: 'c', reason: 'not_requested' },
    ]);
    const refused = routeOrder(
      input(channels, {
        request: { amount: 1000, currency: 'CNY', sourceId: 1, channelCode: 'c' },
      }),
    );
    expect(refused.candidates).toEqual([]);
    expect(refused.excluded).toContainEqual({ code: 'c', reason: 'disabled' });
  });

  it('carries what payments needs on each candidate', () => {
    const [candidate] = routeOrder(
      input([channel('fees', { feeRateBps: 60, fixedFee: 10, dailyLimit: 1_000_000 })]),
    ).candidates;
    expect(candidate).toEqual({
      channelId: 'chn_fees',
      code: 'fees',
      provider: 'sandbox',
      priority: 0,
      weight: 100,
      probability: 1,
      feeRateBps: 60,
      fixedFee: 10,
      dailyLimit: 1_000_000,
    });
  });
});
