import fc from 'fast-check';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  validateSync,
  ValidateNested,
  ValidatorOptions,
} from 'class-validator';
import { CreatePaymentDto } from '../../payments/dto/create-payment.dto';
import { QueryPaymentsDto } from '../../payments/dto/query-payments.dto';
import { surelyValid } from './valid-fast';

/** The validation pipe's options (createValidationPipe). */
const OPTIONS: ValidatorOptions = {
  forbidUnknownValues: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

const text = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', 'a', 'CNY', 'cny', 'EUR', 'PAID', 'PENDING', 'sandbox_main', 'Bad-Code'),
  fc.constantFrom('2026-11-26', '2026-11-26T00:00:00.000Z', 'yesterday', '20'),
  fc.nat({ max: 2100 }).map((n) => 'x'.repeat(n)),
);
const anyValue = fc.oneof(
  text,
  fc.integer({ min: -5, max: 100_000 }),
  fc.constantFrom(0, 1, 59, 60, 86400, 86401, 1.5, 1e12, 1e12 + 1, 2 ** 53),
  fc.constantFrom(null, true, false, undefined),
);

/**
 * Instances as the pipe makes them from a valid request with a field or two changed, added or
 * removed: mostly valid, often not.
 */
function samples(
  type: new () => object,
  base: Record<string, unknown>,
  fields: readonly string[],
): fc.Arbitrary<object> {
  return fc
    .tuple(
      fc.dictionary(fc.constantFrom(...fields), anyValue, { maxKeys: 2 }),
      fc.subarray(Object.keys(base), { maxLength: 1 }),
    )
    .map(([changes, removed]) => {
      const plain: Record<string, unknown> = { ...base, ...changes };
      for (const key of removed) delete plain[key];
      return plainToInstance(type, plain);
    });
}

const VALID_CREATE = {
  source_id: 1000001,
  product_id: 'p1',
  product_name: 'apple',
  amount: 1000,
  merchant_order_no: 'SO-1',
};
const CREATE_FIELDS = [
  'source_id',
  'product_id',
  'product_name',
  'amount',
  'external_ext',
  'memo',
  'currency',
  'merchant_order_no',
  'channel',
  'expire_seconds',
  'return_url',
  'unknown_field',
];
const QUERY_FIELDS = [
  'order_id',
  'merchant_order_no',
  'status',
  'channel',
  'created_from',
  'created_to',
  'limit',
  'cursor',
  'unknown_field',
];

describe('the valid case without class-validator', () => {
  it.each([
    ['CreatePaymentDto', CreatePaymentDto, VALID_CREATE, CREATE_FIELDS],
    ['QueryPaymentsDto', QueryPaymentsDto, { order_id: 'ord_1' }, QUERY_FIELDS],
  ] as const)(
    'answers "valid" for %s exactly when class-validator finds no error',
    (_, type, base, fields) => {
      let valid = 0;
      let invalid = 0;
      fc.assert(
        fc.property(samples(type, base, fields), (dto) => {
          const errors = validateSync(dto, OPTIONS);
          expect(surelyValid(dto, OPTIONS)).toBe(errors.length === 0);
          if (errors.length === 0) valid++;
          else invalid++;
        }),
        { numRuns: 3000 },
      );
      // the property saw both answers, many times
      expect(Math.min(valid, invalid)).toBeGreaterThan(300);
    },
  );

  it('answers "valid" for a whole valid creation and a read by id', () => {
    const create = plainToInstance(CreatePaymentDto, {
      source_id: 1000001,
      product_id: 'p1',
      product_name: 'apple',
      amount: 1000,
      currency: 'CNY',
      merchant_order_no: 'SO-1',
      expire_seconds: 1800,
    });
    expect(validateSync(create, OPTIONS)).toEqual([]);
    expect(surelyValid(create, OPTIONS)).toBe(true);
    const read = plainToInstance(QueryPaymentsDto, {
      order_id: 'ord_0193a1f2c3d47e5f8a9b0c1d2e3f',
    });
    expect(surelyValid(read, OPTIONS)).toBe(true);
    // one character too long: class-validator has the last word
    const long = plainToInstance(QueryPaymentsDto, { order_id: 'x'.repeat(41) });
    expect(surelyValid(long, OPTIONS)).toBe(false);
    expect(validateSync(long, OPTIONS)).toHaveLength(1);
  });

  it('leaves DTOs with rules it does not cover, and other options, to class-validator', () => {
    class Inner {
      @IsInt()
      n!: number;
    }
    class WithNested {
      @ValidateNested()
      @Type(() => Inner)
      inner!: Inner;
    }
    class WithDefined {
      @IsDefined()
      @IsString()
      name!: string;
    }
    class NoRules {}
    expect(surelyValid(plainToInstance(WithNested, { inner: { n: 1 } }), OPTIONS)).toBe(false);
    expect(surelyValid(plainToInstance(WithDefined, { name: 'a' }), OPTIONS)).toBe(false);
    expect(surelyValid(new NoRules(), OPTIONS)).toBe(false);
    const read = plainToInstance(QueryPaymentsDto, { order_id: 'ord_1' });
    expect(surelyValid(read, { ...OPTIONS, skipMissingProperties: true })).toBe(false);
    expect(surelyValid(read, { ...OPTIONS, groups: ['admin'] })).toBe(false);
  });

  it('follows a rule registered after its first answer', () => {
    class Late {
      @IsOptional()
      @IsString()
      code?: string;
    }
    const late = Object.assign(new Late(), { code: 'x' });
    expect(surelyValid(late, OPTIONS)).toBe(true);
    IsInt()(Late.prototype, 'code');
    expect(surelyValid(late, OPTIONS)).toBe(false);
    expect(validateSync(late, OPTIONS)).toHaveLength(1);
  });
});
