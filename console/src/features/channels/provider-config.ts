import type { Schemas } from '@/api/client';

/**
 * A provider's config fields come from the server (GET /v1/channel-providers), as each
 * provider's validator declares them; the channel form is generated from them. `secret` fields
 * are write-only: the API returns them masked (or not at all), the form never shows them and
 * sends them only when typed.
 */
export type ProviderField = Schemas['ProviderConfigFieldDto'];

/** What the form holds for one field: text as typed, the values picked of a multiple select. */
export type FieldValue = string | string[];

/** A stored config value as the form shows it (secrets are never pre-filled). */
export function formValue(field: ProviderField, stored: unknown): FieldValue {
  if (field.multiple) return Array.isArray(stored) ? stored.map(String) : [];
  return stored === null || stored === undefined ? '' : String(stored);
}

/**
 * The config to send: filled values only (an untouched secret is left out, so the stored one
 * stays), numbers as numbers, booleans as booleans, a multiple select as its list. Text that is
 * not what the field takes is sent as typed, for the API to refuse with its own message.
 */
export function configToSend(
  fields: readonly ProviderField[],
  values: Record<string, FieldValue | undefined>,
): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (Array.isArray(value)) {
      if (value.length > 0) out[field.key] = [...value];
      continue;
    }
    const text = (value ?? '').trim();
    if (text === '') continue;
    if (field.kind === 'number' && /^-?\d+(\.\d+)?$/.test(text)) out[field.key] = Number(text);
    else if (field.kind === 'boolean' && (text === 'true' || text === 'false'))
      out[field.key] = text === 'true';
    else out[field.key] = text;
  }
  return out;
}
