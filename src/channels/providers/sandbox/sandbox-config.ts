import { randomBytes } from 'node:crypto';
import { FieldError } from '../../../common/errors/app-error';
import { isFormBody } from '../../../common/http/body-parsers';
import { ConfigValidation } from '../payment-provider.port';
import { configFields, knownKeys } from '../provider-config';

/** A sandbox channel's settings, as stored (the secret decrypted in a ChannelContext). */
export interface SandboxConfig {
  /** Signs notifications and pay links. */
  secret: string;
  latency_ms: number;
  create_error_rate: number;
  notify_delay_ms: number;
  notify_duplicate_rate: number;
  notify_drop_rate: number;
  /** Makes every draw repeatable; without it draws are random. */
  seed?: string | number;
}

const INTEGER_KNOBS = { latency_ms: 60_000, notify_delay_ms: 3_600_000 } as const;
const RATE_KNOBS = ['create_error_rate', 'notify_duplicate_rate', 'notify_drop_rate'] as const;

export const SANDBOX_CONFIG_FIELDS = configFields([
  {
    key: 'secret',
    kind: 'secret',
    secret: true,
    description: 'Signs notifications and pay links, 16 to 256 characters; generated when empty.',
  },
  {
    key: 'latency_ms',
    kind: 'number',
    description: 'Delay of every answer, in milliseconds (0 to 60000).',
  },
  {
    key: 'create_error_rate',
    kind: 'number',
    description: 'Share of payment creations that fail (0 to 1).',
  },
  {
    key: 'notify_delay_ms',
    kind: 'number',
    description: 'Delay before the notification is sent, in milliseconds (0 to 3600000).',
  },
  {
    key: 'notify_duplicate_rate',
    kind: 'number',
    description: 'Share of notifications sent twice (0 to 1).',
  },
  {
    key: 'notify_drop_rate',
    kind: 'number',
    description: 'Share of notifications never sent (0 to 1); the status sync heals them.',
  },
  {
    key: 'seed',
    kind: 'text',
    description: 'Makes every random draw repeatable: an integer or 1 to 128 characters.',
  },
]);
const KNOWN = knownKeys(SANDBOX_CONFIG_FIELDS);

/**
 * Checks a sandbox `config` and fills the defaults. JSON decimals arrive boxed (see
 * body-parsers) and form values as text, so both are unwrapped here.
 */
export function validateSandboxConfig(input: unknown): ConfigValidation {
  const raw = input === undefined || input === null ? {} : input;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: 'config', message: 'config must be an object' }] };
  }
  const form = isFormBody(raw);
  const source = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  const config: SandboxConfig = {
    secret: '',
    latency_ms: 0,
    create_error_rate: 0,
    notify_delay_ms: 0,
    notify_duplicate_rate: 0,
    notify_drop_rate: 0,
  };
  for (const key of Object.keys(source)) {
    if (!KNOWN.has(key))
      errors.push({ field: `config.${key}`, message: 'is not a sandbox setting' });
  }
  for (const [key, max] of Object.entries(INTEGER_KNOBS) as [
    keyof typeof INTEGER_KNOBS,
    number,
  ][]) {
    if (source[key] === undefined) continue;
    const value = form ? integerText(source[key]) : source[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
      errors.push({ field: `config.${key}`, message: `must be an integer from 0 to ${max}` });
    } else config[key] = value;
  }
  for (const key of RATE_KNOBS) {
    if (source[key] === undefined) continue;
    const value = decimal(source[key], form);
    if (value === undefined || value < 0 || value > 1) {
      errors.push({ field: `config.${key}`, message: 'must be a number from 0 to 1' });
    } else config[key] = value;
  }
  const secret = source.secret;
  if (secret === undefined) config.secret = randomBytes(32).toString('base64url');
  else if (typeof secret !== 'string' || secret.length < 16 || secret.length > 256) {
    errors.push({ field: 'config.secret', message: 'must be a string of 16 to 256 characters' });
  } else config.secret = secret;
  const seed = form ? integerText(source.seed) : source.seed;
  if (seed !== undefined) {
    const valid =
      (typeof seed === 'string' && seed.length >= 1 && seed.length <= 128) ||
      (typeof seed === 'number' && Number.isSafeInteger(seed));
    if (!valid) {
      errors.push({
        field: 'config.seed',
        message: 'must be an integer or a string of 1 to 128 characters',
      });
    } else config.seed = seed as string | number;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: { ...config } };
}

/** The config of a sandbox channel context (validated when the channel was written). */
export function sandboxConfigOf(config: Record<string, unknown>): SandboxConfig {
  return config as unknown as SandboxConfig;
}

function integerText(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
}

function decimal(value: unknown, form: boolean): number | undefined {
  if (value instanceof Number) return value.valueOf();
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (form && typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}
