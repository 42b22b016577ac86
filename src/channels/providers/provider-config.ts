import { FieldError } from '../../common/errors/app-error';
import { ConfigValidation } from './payment-provider.port';

/** How a console shows a provider setting (GET /v1/channel-providers). */
export const CONFIG_FIELD_KINDS = ['text', 'secret', 'pem', 'number', 'select', 'boolean'] as const;
export type ConfigFieldKind = (typeof CONFIG_FIELD_KINDS)[number];

/**
 * One setting of a provider's `config`, as the provider declares it. The validator accepts
 * exactly the declared keys, so the list served to the console cannot drift from what the
 * server takes.
 */
export interface ProviderConfigField {
  key: string;
  kind: ConfigFieldKind;
  /** Needed at creation (a change may leave it out to keep the stored value). */
  required: boolean;
  /** Write-only: the API returns it masked (`****abcd`) or, if it is not kept, not at all. */
  secret: boolean;
  /** `select`: the values allowed. */
  options?: readonly string[];
  /** `select`: several values may be chosen; sent as a list. */
  multiple?: boolean;
  description: string;
}

/** A field list with the defaults filled (not required, not secret). */
export function configFields(
  fields: (Omit<ProviderConfigField, 'required' | 'secret'> &
    Partial<Pick<ProviderConfigField, 'required' | 'secret'>>)[],
): readonly ProviderConfigField[] {
  return fields.map((f) => ({ ...f, required: f.required ?? false, secret: f.secret ?? false }));
}

/** The keys a validator accepts: those its provider declares. */
export function knownKeys(fields: readonly ProviderConfigField[]): ReadonlySet<string> {
  return new Set(fields.map((f) => f.key));
}

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
