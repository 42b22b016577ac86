import Big from 'big.js';
import { CURRENCY_EXPONENTS } from '../validation/decorators';

/**
 * Money arithmetic, written once. Amounts are integer minor units (fen, cents, yen) as plain
 * numbers within the safe integer range; products and quotients go through big.js, so nothing
 * is ever a binary float, and every rounding is half-up, done here and nowhere else.
 */

/** A whole number of minor units as a plain integer; anything else is refused, never rounded. */
function toSafe(value: Big): number {
  if (!value.eq(value.round(0, Big.roundDown))) {
    throw new RangeError(`amount ${value.toString()} is not a whole number of minor units`);
  }
  const n = Number(value.toFixed(0));
  if (!Number.isSafeInteger(n))
    throw new RangeError(`amount ${value.toString()} is outside the safe range`);
  return n;
}

function roundHalfUp(value: Big): number {
  return toSafe(value.round(0, Big.roundHalfUp));
}

/** A channel's fee: `fixed_fee + round_half_up(amount × fee_rate_bps / 10000)`. */
export function channelFee(amount: number, feeRateBps: number, fixedFee: number): number {
  return fixedFee + roundHalfUp(new Big(amount).times(feeRateBps).div(10000));
}

/** `round_half_up(total × part / whole)`: e.g. the share of a fee a partial refund gives back. */
export function proportionalShare(total: number, part: number, whole: number): number {
  if (whole <= 0) throw new RangeError('whole must be positive');
  return roundHalfUp(new Big(total).times(part).div(whole));
}

export function currencyExponent(currency: string): number {
  const exponent = CURRENCY_EXPONENTS[currency];
  if (exponent === undefined) throw new RangeError(`unknown currency ${currency}`);
  return exponent;
}

/**
 * 1000 fen → "10.00"; 1000 yen → "1000". For people and for providers that speak yuan. The
 * amount must be a whole number of minor units; dividing by a power of ten is exact in big.js.
 */
export function toMajorUnits(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`amount ${amount} is not a whole number of minor units`);
  }
  return new Big(amount).div(new Big(10).pow(exponent)).toFixed(exponent);
}

/**
 * "10.00" yuan → 1000 fen, exactly. Refuses text that is not a plain decimal or has more
 * decimals than the currency has minor units (nothing is rounded away silently).
 */
export function fromMajorUnits(text: string, currency: string): number {
  const exponent = currencyExponent(currency);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new RangeError(`"${text}" is not a decimal amount`);
  const fraction = text.split('.')[1] ?? '';
  if (fraction.replace(/0+$/, '').length > exponent) {
    throw new RangeError(`"${text}" has more decimals than ${currency} has minor units`);
  }
  return toSafe(new Big(text).times(new Big(10).pow(exponent)));
}
