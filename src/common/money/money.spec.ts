import fc from 'fast-check';
import { channelFee, fromMajorUnits, proportionalShare, toMajorUnits } from './money';

describe('channelFee', () => {
  it.each([
    // amount, bps, fixed, fee
    [1000, 60, 0, 6], // 0.6 % of 10.00 CNY
    [1, 60, 0, 0], // 0.006 rounds down
    [83, 60, 0, 0], // 0.498
    [84, 60, 0, 1], // 0.504
    [250, 20, 0, 1], // exactly 0.5 rounds up
    [249, 20, 0, 0], // 0.498
    [750, 20, 0, 2], // 1.5 rounds up
    [1000, 0, 30, 30], // fixed only
    [1000, 60, 30, 36],
    [1_000_000_000_000, 10_000, 0, 1_000_000_000_000], // 100 % of the largest amount, exactly
    [999_999_999_999, 1, 0, 100_000_000], // 99999999.9999 rounds up
  ])('fee of %d at %d bps + %d fixed is %d', (amount, bps, fixed, fee) => {
    expect(channelFee(amount, bps, fixed)).toBe(fee);
  });

  it('matches exact integer arithmetic for every amount and rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e12 }),
        fc.integer({ min: 0, max: 10000 }),
        (amount, bps) => {
          const exact = BigInt(amount) * BigInt(bps);
          const expected = Number((exact + 5000n) / 10000n); // half-up for non-negative values
          expect(channelFee(amount, bps, 0)).toBe(expected);
        },
      ),
    );
  });
});

describe('proportionalShare', () => {
  it('rounds half up', () => {
    expect(proportionalShare(6, 500, 1000)).toBe(3);
    expect(proportionalShare(5, 500, 1000)).toBe(3); // 2.5
    expect(proportionalShare(5, 300, 1000)).toBe(2); // 1.5
    expect(proportionalShare(7, 1, 3)).toBe(2); // 2.33
  });

  it('gives the whole for the whole', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 1, max: 1e12 }),
        (total, whole) => {
          expect(proportionalShare(total, whole, whole)).toBe(total);
        },
      ),
    );
  });
});

describe('major units', () => {
  it('converts between fen and yuan exactly', () => {
    expect(toMajorUnits(1000, 'CNY')).toBe('10.00');
    expect(toMajorUnits(1, 'CNY')).toBe('0.01');
    expect(toMajorUnits(1000, 'JPY')).toBe('1000');
    expect(fromMajorUnits('10.00', 'CNY')).toBe(1000);
    expect(fromMajorUnits('0.1', 'CNY')).toBe(10);
    expect(fromMajorUnits('123', 'CNY')).toBe(12300);
    expect(fromMajorUnits('0.29', 'CNY')).toBe(29); // 0.29 * 100 is 28.999999999999996 in floats
  });

  it('refuses what it cannot convert exactly', () => {
    expect(() => fromMajorUnits('0.001', 'CNY')).toThrow(/more decimals/);
    expect(() => fromMajorUnits('1.5', 'JPY')).toThrow(/more decimals/);
    expect(() => fromMajorUnits('1e3', 'CNY')).toThrow(/not a decimal/);
    expect(() => fromMajorUnits('', 'CNY')).toThrow();
    // a fraction of a fen is refused, not rounded to "0.11"
    expect(() => toMajorUnits(10.5, 'CNY')).toThrow(/whole number/);
    expect(() => toMajorUnits(2 ** 53, 'CNY')).toThrow(/whole number/);
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.constantFrom('CNY', 'USD', 'JPY'),
        (amount, currency) => {
          expect(fromMajorUnits(toMajorUnits(amount, currency), currency)).toBe(amount);
        },
      ),
    );
  });
});
