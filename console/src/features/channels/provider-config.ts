/**
 * Each provider's config fields, as openapi.json's CreateChannelDto.config documents them (and
 * docs/providers.md): the channel form is generated from this table. `secret` fields are
 * write-only: the API returns them masked, the form never shows them and sends them only when
 * typed. The server's adapters still validate every config.
 */
export interface ProviderField {
  key: string;
  kind: 'text' | 'secret' | 'pem' | 'number' | 'select';
  required?: boolean;
  options?: string[];
  placeholder?: string;
}

export const PROVIDER_FIELDS: Record<string, ProviderField[]> = {
  sandbox: [
    { key: 'secret', kind: 'secret', placeholder: 'generated when empty' },
    { key: 'latency_ms', kind: 'number', placeholder: '0' },
    { key: 'create_error_rate', kind: 'number', placeholder: '0' },
    { key: 'notify_delay_ms', kind: 'number', placeholder: '0' },
    { key: 'notify_duplicate_rate', kind: 'number', placeholder: '0' },
    { key: 'notify_drop_rate', kind: 'number', placeholder: '0' },
    { key: 'seed', kind: 'number' },
  ],
  alipay: [
    { key: 'app_id', kind: 'text', required: true },
    { key: 'private_key', kind: 'pem', required: true },
    { key: 'alipay_public_key', kind: 'pem', required: true },
    { key: 'gateway_url', kind: 'text' },
    { key: 'product', kind: 'select', options: ['precreate', 'page', 'wap'] },
    { key: 'seller_id', kind: 'text' },
  ],
  wechatpay: [
    { key: 'mchid', kind: 'text', required: true },
    { key: 'appid', kind: 'text', required: true },
    { key: 'serial_no', kind: 'text', required: true },
    { key: 'private_key', kind: 'pem', required: true },
    { key: 'apiv3_key', kind: 'secret', required: true },
    { key: 'platform_public_key', kind: 'pem', required: true },
    { key: 'platform_public_key_id', kind: 'text', required: true },
    { key: 'base_url', kind: 'text' },
    { key: 'product', kind: 'select', options: ['native', 'h5'] },
    { key: 'payer_client_ip', kind: 'text' },
  ],
  unionpay: [
    { key: 'mer_id', kind: 'text', required: true },
    { key: 'private_key', kind: 'pem' },
    { key: 'sign_cert', kind: 'pem' },
    { key: 'private_key_pfx', kind: 'pem' },
    { key: 'private_key_password', kind: 'secret' },
    { key: 'middle_cert', kind: 'pem', required: true },
    { key: 'root_cert', kind: 'pem', required: true },
    { key: 'gateway_url', kind: 'text' },
    { key: 'file_url', kind: 'text' },
    { key: 'product', kind: 'select', options: ['gateway', 'qr'], required: true },
    { key: 'channel_type', kind: 'select', options: ['auto', '07', '08'] },
  ],
};

/** Fields the API returns masked (`****abcd`): never pre-filled, sent only when typed. */
export const SECRET_KEYS = new Set([
  'secret',
  'private_key',
  'apiv3_key',
  'private_key_pfx',
  'private_key_password',
]);

/**
 * The config to send: typed values only (an untouched secret is left out, so the stored one
 * stays), numbers as numbers. Numeric text that is not a number is sent as typed, for the API
 * to refuse with its own message.
 */
export function configToSend(
  provider: string,
  values: Record<string, string>,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const field of PROVIDER_FIELDS[provider] ?? []) {
    const value = (values[field.key] ?? '').trim();
    if (value === '') continue;
    out[field.key] =
      field.kind === 'number' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}
