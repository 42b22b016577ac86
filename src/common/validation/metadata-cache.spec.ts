import { IsInt, IsString, Min, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './metadata-cache';

class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  @Min(1)
  amount!: number;
}

const errorsOf = (value: object) =>
  validateSync(value, { whitelist: true, forbidNonWhitelisted: true }).map((e) => [
    e.property,
    Object.keys(e.constraints ?? {}).sort(),
  ]);

const samples = [
  Object.assign(new Child(), { name: 'a', amount: 2 }),
  Object.assign(new Child(), { name: 3, amount: 0, extra: 1 }),
  Object.assign(new Base(), { name: 'a', amount: 0 }),
];

describe('validation rules kept between validations', () => {
  // what class-validator answers on its own, before the cache is installed
  const uncached = samples.map(errorsOf);
  beforeAll(() => cacheValidationMetadata());

  it('validates as class-validator does, inherited rules and the whitelist included, every time', () => {
    expect(uncached[0]).toEqual([]);
    expect(uncached[1]).toHaveLength(3);
    expect(uncached[2]).toEqual([['amount', ['whitelistValidation']]]);
    for (let i = 0; i < 3; i++) expect(samples.map(errorsOf)).toEqual(uncached);
  });

  it('applies a rule registered after the first validation', () => {
    class Late {
      @IsString()
      code!: string;
    }
    expect(errorsOf(Object.assign(new Late(), { code: 'x', note: 1 }))).toEqual([
      ['note', ['whitelistValidation']],
    ]);
    IsInt()(Late.prototype, 'note');
    expect(errorsOf(Object.assign(new Late(), { code: 'x', note: 1 }))).toEqual([]);
    expect(errorsOf(Object.assign(new Late(), { code: 'x', note: 'y' }))).toEqual([
      ['note', ['isInt']],
    ]);
  });
});
