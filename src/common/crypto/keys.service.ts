import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { Global, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppSettingsService } from '../../database/app-settings.service';
import { keyFingerprint, RingKey, SecretBox } from './secret-box';

/** A token signing secret of the ring: its `kid` and the secret. */
export interface SigningKey {
  id: string;
  secret: string;
  key: KeyObject;
}

/**
 * The service's two key rings: the JWT signing secrets (`JWT_SECRETS`, or one `JWT_SECRET`)
 * and the keys that encrypt secrets at rest (`CHANNEL_CONFIG_KEYS`, or one
 * `CHANNEL_CONFIG_KEY`). In each ring the first key signs or seals and every key verifies or
 * opens, so a key is rotated without downtime. In production they come from the environment
 * (start-up refuses to run without them). In development a missing one is generated once and
 * kept in the database, so restarts and several instances agree.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private readonly logger = new Logger(KeysService.name);
  private signing?: SigningKey[];
  private box?: SecretBox;

  constructor(
    private readonly config: AppConfig,
    private readonly settings: AppSettingsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const loaded = await loadKeyRings(this.config, this.settings, (variable) =>
      this.logger.warn(
        `${variable} is not set: using a generated key kept in the database (development only)`,
      ),
    );
    this.signing = loaded.signing;
    this.box = loaded.box;
  }

  /** The current signing secret (what derived keys, cashier links and CSRF, start from). */
  get jwtSecret(): string {
    return this.signingKeys[0].secret;
  }

  /** The current signing key: tokens are signed with it and carry its id as `kid`. */
  get jwtSigningKey(): SigningKey {
    return this.signingKeys[0];
  }

  /** Every signing secret, current first: each one still verifies. */
  get signingKeys(): SigningKey[] {
    if (!this.signing) throw new Error('keys are not loaded yet');
    return this.signing;
  }

  get secretBox(): SecretBox {
    if (!this.box) throw new Error('keys are not loaded yet');
    return this.box;
  }
}

/** The rings as the configuration gives them; also used by the command-line tools. */
export async function loadKeyRings(
  config: AppConfig,
  settings: Pick<AppSettingsService, 'getOrCreate'>,
  warnGenerated: (variable: string) => void = () => undefined,
): Promise<{ signing: SigningKey[]; box: SecretBox }> {
  const { JWT_SECRET, JWT_SECRETS, CHANNEL_CONFIG_KEY, CHANNEL_CONFIG_KEYS } = config.env;
  const generated = async (setting: string, variable: string) => {
    const value = await settings.getOrCreate(setting, () => randomBytes(32).toString('hex'));
    warnGenerated(variable);
    return value;
  };
  const secrets: { id: string; secret: string }[] = JWT_SECRETS
    ? parseRing(JWT_SECRETS)
    : [single(JWT_SECRET ?? (await generated('jwt_secret', 'JWT_SECRET')))];
  const keys: RingKey[] = CHANNEL_CONFIG_KEYS
    ? SecretBox.parseRing(CHANNEL_CONFIG_KEYS)
    : [keyOf(CHANNEL_CONFIG_KEY ?? (await generated('channel_config_key', 'CHANNEL_CONFIG_KEY')))];
  return {
    signing: secrets.map((s) => ({ ...s, key: createSecretKey(Buffer.from(s.secret, 'utf8')) })),
    box: new SecretBox(keys),
  };
}

function parseRing(text: string): { id: string; secret: string }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':');
      return { id: part.slice(0, colon), secret: part.slice(colon + 1) };
    });
}

/** A secret given alone: its id is its fingerprint. */
function single(secret: string): { id: string; secret: string } {
  return { id: keyFingerprint(secret), secret };
}

function keyOf(text: string): RingKey {
  const key = SecretBox.parseKey(text);
  return { id: keyFingerprint(key), key };
}

@Global()
@Module({ providers: [KeysService], exports: [KeysService] })
export class KeysModule {}
