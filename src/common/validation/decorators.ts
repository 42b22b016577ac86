import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { isFormBody } from '../http/body-parsers';
import { parseTimestamp } from '../time';

export const MAX_AMOUNT = 1_000_000_000_000;

/** Constraint names the validation pipe maps to their own reasons. */
export const IS_MINOR_UNITS = 'isMinorUnits';
export const IS_CURRENCY_CODE = 'isCurrencyCode';

/**
 * An optional body field that is not nullable: absent is fine, `null` is validated like any
 * other value, and refused. (`@IsOptional()` lets `null` through as if the field were absent,
 * which the API document does not allow; keep it for query fields and nullable body fields.)
 */
export const IfPresent = () => ValidateIf((_object, value) => value !== undefined);

const INTEGER_TEXT = /^-?\d+$/;

function toIntegerIfText(value: unknown): unknown {
  if (typeof value !== 'string' || !INTEGER_TEXT.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/**
 * An integer field that may arrive as text from a form body (`-d amount=1000`). JSON must send
 * a number; "10.00" stays text in both and fails validation.
 */
export const FormInt = () =>
  Transform(({ value, obj }) => (isFormBody(obj) ? toIntegerIfText(value) : value));

/** An integer from the query string, where everything is text. */
export const QueryInt = () => Transform(({ value }) => toIntegerIfText(value));

/** A boolean from a form body or the query string ("true"/"false"). */
export const FormBool = (fromQuery = false) =>
  Transform(({ value, obj }) => {
    if ((fromQuery || isFormBody(obj)) && (value === 'true' || value === 'false'))
      return value === 'true';
    return value;
  });

/** A list from a form body: `currencies[]=CNY` (or a single `currencies=CNY`). */
export const FormArray = () =>
  Transform(({ value, obj }) => (isFormBody(obj) && typeof value === 'string' ? [value] : value));

/** A list of integers from a form body: `merchants[]=1000001`, a single value, or empty text. */
export const FormIntArray = () =>
  Transform(({ value, obj }) => {
    if (!isFormBody(obj)) return value;
    if (value === '') return [];
    const list: unknown = typeof value === 'string' ? [value] : value;
    return Array.isArray(list) ? list.map(toIntegerIfText) : list;
  });

/**
 * An open object validated by its owner (a channel's provider `config`): kept exactly as the
 * body parser made it. class-transformer's copy would drop the form-body mark and turn boxed
 * JSON decimals (0.25) into 0.
 */
export const KeepRaw = () =>
  Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true });

/** A decimal field: JSON literals such as 0.25 arrive boxed (see body-parsers) or as form text. */
export const FormDecimal = () =>
  Transform(({ value, obj }) => {
    if (value instanceof Number) return value.valueOf();
    if (isFormBody(obj) && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
      return Number(value);
    return value;
  });

/**
 * Money: an integer count of minor units (fen, cents, yen). A float, a string, zero, a
 * negative value or more than 10^12 is `invalid_amount`.
 */
export function IsMinorUnits(
  options: { min?: number } = {},
  validationOptions?: ValidationOptions,
) {
  const min = options.min ?? 1;
  return applyDecorators(
    FormInt(),
    ValidateBy(
      {
        name: IS_MINOR_UNITS,
        constraints: [min],
        validator: {
          validate: (value: unknown) =>
            typeof value === 'number' &&
            Number.isSafeInteger(value) &&
            value >= min &&
            value <= MAX_AMOUNT,
          defaultMessage: (args) =>
            `${args?.property} must be an integer count of minor units from ${min} to ${MAX_AMOUNT} (1000 means 10.00 CNY)`,
        },
      },
      validationOptions,
    ),
  );
}

/** ISO 4217 code, upper case, one the service knows how to clear. */
export function IsCurrencyCode(validationOptions?: ValidationOptions) {
  return ValidateBy(
    {
      name: IS_CURRENCY_CODE,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && SUPPORTED_CURRENCIES.has(value),
        defaultMessage: (args) =>
          `${args?.property} must be an upper-case ISO 4217 code paygate supports (${[...SUPPORTED_CURRENCIES].join(', ')})`,
      },
    },
    validationOptions,
  );
}

/** Currencies with their minor-unit exponent (ISO 4217). */
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

export const SUPPORTED_CURRENCIES = new Set(Object.keys(CURRENCY_EXPONENTS));

/** A time in the form the API takes (see parseTimestamp): anything else is 400, never a 500. */
export function IsTimestamp(validationOptions?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseTimestamp(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date or time with its zone, such as 2026-11-26 or 2026-11-26T00:00:00.000Z`,
      },
    },
    validationOptions,
  );
}
