import {
  formatMoney,
  MAX_AMOUNT,
  MoneyError,
  toMajorUnits,
  toMinorUnits,
  type MoneyProblem,
} from './money';

function problemOf(run: () => unknown): MoneyProblem | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof MoneyError ? error.problem : undefined;
  }
}

describe('console money: major units typed by people ⇄ integer minor units of the API', () => {
  it.each([
    ['12.5', 'CNY', 1250],
    ['12.50', 'CNY', 1250],
    ['0.01', 'CNY', 1],
    ['0.1', 'CNY', 10],
    ['0.30', 'CNY', 30],
    ['1,234.56', 'CNY', 123456],
    ['¥ 99', 'CNY', 9900],
    ['  7 ', 'USD', 700],
    ['1000', 'JPY', 1000],
    ['1000.', 'JPY', 1000],
    ['10000000000', 'CNY', MAX_AMOUNT],
    // a sum that is wrong through floats (0.1 + 0.2 = 0.30000000000000004) is exact here
    ['0.3', 'CNY', 30],
    ['19.99', 'CNY', 1999],
    ['4.35', 'USD', 435],
  ])('%s %s is %i minor units', (text, currency, minor) => {
    expect(toMinorUnits(text, currency)).toBe(minor);
  });

  it.each([
    ['', 'CNY', 'empty'],
    ['abc', 'CNY', 'not_a_number'],
    ['1e3', 'CNY', 'not_a_number'],
    ['1.2.3', 'CNY', 'not_a_number'],
    ['1.005', 'CNY', 'too_many_decimals'],
    ['1.5', 'JPY', 'too_many_decimals'],
    ['0', 'CNY', 'not_positive'],
    ['0.00', 'CNY', 'not_positive'],
    ['-5', 'CNY', 'not_positive'],
    ['10000000000.01', 'CNY', 'too_large'],
    ['99999999999999999999', 'CNY', 'too_large'],
    ['1', 'XXX', 'unknown_currency'],
  ])('refuses %j in %s (%s)', (text, currency, problem) => {
    expect(problemOf(() => toMinorUnits(text, currency))).toBe(problem);
  });

  it.each([
    [1250, 'CNY', '12.50'],
    [1, 'CNY', '0.01'],
    [0, 'CNY', '0.00'],
    [-305, 'CNY', '-3.05'],
    [1000, 'JPY', '1000'],
    [MAX_AMOUNT, 'USD', '10000000000.00'],
  ])('%i %s reads %s', (minor, currency, major) => {
    expect(toMajorUnits(minor, currency)).toBe(major);
  });

  it('round-trips every amount of a range exactly', () => {
    for (let minor = 1; minor <= 20_000; minor += 7) {
      expect(toMinorUnits(toMajorUnits(minor, 'CNY'), 'CNY')).toBe(minor);
    }
    expect(toMinorUnits(toMajorUnits(999_999_999_999, 'CNY'), 'CNY')).toBe(999_999_999_999);
  });

  it('shows amounts grouped with the currency named', () => {
    expect(formatMoney(123456789, 'CNY')).toBe('1,234,567.89 CNY');
    expect(formatMoney(-100, 'USD')).toBe('-1.00 USD');
    expect(formatMoney(1234567, 'JPY')).toBe('1,234,567 JPY');
  });
});
