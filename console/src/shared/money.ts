/**
 * Money in the console: the API counts integer minor units (fen, cents); people read and type
 * major units (元, dollars). Conversions work on the digits of the text, never through a
 * floating-point number, so 0.1 + 0.2 problems cannot reach an amount.
 */

/** Minor-unit exponents of the currencies the API accepts (ISO 4217, as the server's table). */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  HKD: 2,
  GBP: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  JPY: 0,
  KRW: 0,
};

/** The largest amount the API takes, in minor units. */
export const MAX_AMOUNT = 1_000_000_000_000;

export function currencyExponent(currency: string): number {
  const exponent = CURRENCY_EXPONENTS[currency.toUpperCase()];
  if (exponent === undefined) throw new MoneyError('unknown_currency');
  return exponent;
}

/** Why a typed amount was refused: a key of the `money.*` messages. */
export type MoneyProblem =
  | 'empty'
  | 'not_a_number'
  | 'too_many_decimals'
  | 'not_positive'
  | 'too_large'
  | 'unknown_currency';

export class MoneyError extends Error {
  constructor(readonly problem: MoneyProblem) {
    super(problem);
  }
}

/**
 * A major-unit amount typed by a person ("12.5", "1,234.56", "¥12") as integer minor units
 * (1250, 123456). Refuses what the API would refuse: zero, negatives, more decimals than the
 * currency has, more than MAX_AMOUNT.
 */
export function toMinorUnits(text: string, currency: string): number {
  const exponent = currencyExponent(currency);
  const cleaned = text
    .trim()
    .replace(/^[¥￥$€£]/, '')
    .replace(/,/g, '')
    .trim();
  if (cleaned === '') throw new MoneyError('empty');
  if (cleaned.startsWith('-')) throw new MoneyError('not_positive');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) throw new MoneyError('not_a_number');
  const whole = match[1];
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) throw new MoneyError('too_many_decimals');
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > String(MAX_AMOUNT).length) throw new MoneyError('too_large');
  const minor = Number(digits);
  if (minor > MAX_AMOUNT) throw new MoneyError('too_large');
  if (minor === 0) throw new MoneyError('not_positive');
  return minor;
}

/** Integer minor units as a plain major-unit string: 1250 CNY → "12.50", 1000 JPY → "1000". */
export function toMajorUnits(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new MoneyError('not_a_number');
  const exponent = currencyExponent(currency);
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/**
 * An amount for display: thousands grouped, the currency named ("1,234.50 CNY"). Grouping is
 * done on the digits, so no amount is ever turned into a float to be formatted.
 */
export function formatMoney(minor: number, currency: string): string {
  const plain = toMajorUnits(minor, currency);
  const negative = plain.startsWith('-');
  const [whole, fraction] = (negative ? plain.slice(1) : plain).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''} ${currency}`;
}
