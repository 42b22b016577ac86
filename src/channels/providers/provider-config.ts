import { FieldError } from '../../common/errors/app-error';
import { ConfigValidation } from './payment-provider.port';

/** A provider `config` being checked: its settings, and the field errors found so far. */
export interface ConfigCheck {
  source: Record<string, unknown>;
  errors: FieldError[];
  /** Records a field error on `config.<field>`. */
  fail: (field: string, message: string) => void;
}

/**
 * Starts checking a provider `config`: it must be an object, and every setting must be one the
 * provider knows (`label` names the provider in the error). Returns the refusal when it is no
 * object.
 */
export function checkConfig(
  input: unknown,
  known: ReadonlySet<string>,
  label: string,
): ConfigCheck | ConfigValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: 'config', message: 'config must be an object' }] };
  }
  const source = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) =>
    errors.push({ field: `config.${field}`, message });
  for (const key of Object.keys(source)) {
    if (!known.has(key)) fail(key, `is not a${/^[AEIOU]/.test(label) ? 'n' : ''} ${label} setting`);
  }
  return { source, errors, fail };
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** An http(s) URL of a host only: paths are the protocol's, appended by the adapter. */
export function isBaseUrl(value: unknown): value is string {
  if (!isHttpUrl(value)) return false;
  const url = new URL(value);
  return url.search === '' && url.hash === '' && (url.pathname === '/' || url.pathname === '');
}
