import { getMetadataStorage, ValidationArguments, ValidatorOptions } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { cacheValidationMetadata, rulesVersion } from './metadata-cache';

/**
 * The valid case of class-validator, without its bookkeeping. class-validator builds an error
 * object for every property it looks at (and then drops the empty ones), filters each
 * property's rules by type three times and looks up each rule's constraint class, on every
 * request: about half of a payment creation's validation, for requests that are almost always
 * valid. This calls the same rules (the DTO's own metadata, the same constraint instances, the
 * same arguments) in class-validator's order and only answers "valid" or "don't know": any
 * failing rule, and any DTO or option it does not cover, leaves the answer to class-validator,
 * which then produces the errors exactly as before.
 *
 * Covered: the rules class-validator runs as custom constraints (every `@IsString()`,
 * `@Length()`, `@Matches()`, `ValidateBy` rule…) and conditions (`@IsOptional()`,
 * `@ValidateIf()`), neither with `each`, with the pipe's whitelist. Anything else in a DTO
 * (nested DTOs, `@IsDefined()`, async rules) and validator options that change which rules
 * run (groups, skipping missing properties) are not.
 */
interface Check {
  metadata: ValidationMetadata;
  validators: { validate(value: unknown, args: ValidationArguments): unknown }[];
}

interface Property {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  checks: Check[];
}

interface Plan {
  version: number;
  /** Null: the DTO has a rule this does not cover. */
  properties: Property[] | null;
  known: Set<string>;
}

interface Storage {
  getTargetValidationMetadatas(
    target: object,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  getTargetValidatorConstraints(target: object): {
    async: boolean;
    instance: Check['validators'][number];
  }[];
}

const CUSTOM = 'customValidation';
const CONDITIONAL = 'conditionalValidation';

/** The options the pipe uses; others may change which rules run, so they go the long way. */
const COVERED_OPTIONS = new Set([
  'whitelist',
  'forbidNonWhitelisted',
  'forbidUnknownValues',
  'stopAtFirstError',
  'validationError',
]);

const plans = new WeakMap<object, Plan>();

function planOf(type: object): Plan {
  // rulesVersion follows registrations once the cache is installed
  cacheValidationMetadata();
  const version = rulesVersion();
  let plan = plans.get(type);
  if (!plan || plan.version !== version) {
    plan = compile(type, version);
    plans.set(type, plan);
  }
  return plan;
}

function compile(type: object, version: number): Plan {
  const storage = getMetadataStorage() as unknown as Storage;
  const rules = storage.getTargetValidationMetadatas(type, undefined, false, false, undefined);
  const grouped = storage.groupByPropertyName(rules);
  const known = new Set(Object.keys(grouped).filter((name) => grouped[name].length > 0));
  // no rule at all: class-validator answers `unknownValue` (forbidUnknownValues)
  if (rules.length === 0) return { version, properties: null, known };
  const properties: Property[] = [];
  for (const [name, metadatas] of Object.entries(grouped)) {
    const property: Property = { name, conditions: [], checks: [] };
    for (const metadata of metadatas) {
      if (metadata.each) return { version, properties: null, known };
      if (metadata.type === CONDITIONAL) {
        property.conditions.push(
          metadata.constraints[0] as (object: object, value: unknown) => boolean,
        );
      } else if (metadata.type === CUSTOM) {
        const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
        if (constraints.some((constraint) => constraint.async)) {
          return { version, properties: null, known };
        }
        property.checks.push({
          metadata,
          validators: constraints.map((constraint) => constraint.instance),
        });
      } else {
        return { version, properties: null, known };
      }
    }
    properties.push(property);
  }
  return { version, properties, known };
}

/**
 * True when class-validator would find no error in `object` (an instance of its DTO, as the
 * pipe hands it over); false when it might, or when this cannot tell.
 */
export function surelyValid(object: unknown, options: ValidatorOptions | undefined): boolean {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return false;
  for (const key of Object.keys(options ?? {})) {
    if (!COVERED_OPTIONS.has(key)) return false;
  }
  const type = (object as { constructor?: unknown }).constructor;
  if (typeof type !== 'function' || type === Object) return false;
  const plan = planOf(type);
  if (!plan.properties) return false;
  // the whitelist: a property without rules is an error (forbidNonWhitelisted) or removed
  for (const key of Object.keys(object)) if (!plan.known.has(key)) return false;
  const record = object as Record<string, unknown>;
  for (const property of plan.properties) {
    const value = record[property.name];
    if (value instanceof Promise) return false;
    let applies = true;
    for (const condition of property.conditions) applies = condition(object, value) && applies;
    if (!applies) continue;
    for (const { metadata, validators } of property.checks) {
      if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
      for (const validator of validators) {
        const valid = validator.validate(value, {
          targetName: type.name,
          property: metadata.propertyName,
          object,
          value,
          constraints: metadata.constraints,
        });
        // false, or a promise class-validator would wait for: its answer decides
        if (valid !== true && (!valid || valid instanceof Promise)) return false;
      }
    }
  }
  return true;
}
