import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { Global, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppSettingsService } from '../../database/app-settings.service';
import { SecretBox } from './secret-box';

/**
 * The service's two keys: the JWT signing secret and the key that encrypts secrets at rest.
 * In production both come from the environment (start-up refuses to run without them). In
 * development a missing one is generated once and kept in the database, so restarts and
 * several instances agree.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private readonly logger = new Logger(KeysService.name);
  private jwt?: string;
  private jwtKeyObject?: KeyObject;
  private box?: SecretBox;

  constructor(
    private readonly config: AppConfig,
    private readonly settings: AppSettingsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const { JWT_SECRET, CHANNEL_CONFIG_KEY } = this.config.env;
    this.jwt = JWT_SECRET ?? (await this.generated('jwt_secret', 'JWT_SECRET'));
    this.jwtKeyObject = createSecretKey(Buffer.from(this.jwt, 'utf8'));
    const key =
      CHANNEL_CONFIG_KEY ?? (await this.generated('channel_config_key', 'CHANNEL_CONFIG_KEY'));
    this.box = new SecretBox(SecretBox.parseKey(key));
  }

  get jwtSecret(): string {
    if (!this.jwt) throw new Error('keys are not loaded yet');
    return this.jwt;
  }

  /**
   * The same secret as a KeyObject: jsonwebtoken otherwise tries to parse a string key as a
   * public key on every verification before treating it as a secret.
   */
  get jwtKey(): KeyObject {
    if (!this.jwtKeyObject) throw new Error('keys are not loaded yet');
    return this.jwtKeyObject;
  }

  get secretBox(): SecretBox {
    if (!this.box) throw new Error('keys are not loaded yet');
    return this.box;
  }

  private async generated(setting: string, variable: string): Promise<string> {
    const value = await this.settings.getOrCreate(setting, () => randomBytes(32).toString('hex'));
    this.logger.warn(
      `${variable} is not set: using a generated key kept in the database (development only)`,
    );
    return value;
  }
}

@Global()
@Module({ providers: [KeysService], exports: [KeysService] })
export class KeysModule {}
