import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { AppSettingsService } from '../database/app-settings.service';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import { ConsoleUsersRepository } from './console-users.repository';
import { newConsoleUser } from './entities/console-user.entity';
import { checkPasswordPolicy, hashPassword } from './passwords';

export const GENERATED_OWNER_EMAIL = 'owner@paygate.local';

/**
 * Makes sure someone can log in to the console: the operator owner named by
 * BOOTSTRAP_CONSOLE_EMAIL / BOOTSTRAP_CONSOLE_PASSWORD exists after start (created when no
 * account has that email; an existing account is left as it is, its password included).
 * Without them, on a database with no operator owner, one is generated and its password
 * printed once; it must be changed at first login.
 */
@Injectable()
export class BootstrapConsoleService implements OnApplicationBootstrap {
  private readonly logger = new Logger('BootstrapConsole');

  constructor(
    private readonly db: Database,
    private readonly users: ConsoleUsersRepository,
    private readonly settings: AppSettingsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { BOOTSTRAP_CONSOLE_EMAIL: email, BOOTSTRAP_CONSOLE_PASSWORD: password } =
      this.config.env;
    if (email && password) {
      await this.ensure(email, password);
      return;
    }
    // a deliberately slow password hash: it need not hold up readiness, only the first login
    void this.generateIfNone().catch((error: unknown) =>
      this.logger.error({ err: error }, 'the console owner could not be generated'),
    );
  }

  private async ensure(email: string, password: string): Promise<void> {
    if (await this.db.run((em) => this.users.findByEmail(em, email))) return;
    // a weak bootstrap password is refused at start, as a weak password is in the console
    checkPasswordPolicy(password, email);
    if (await this.create(email, password, false)) {
      this.logger.log(`console owner ${email} created from BOOTSTRAP_CONSOLE_EMAIL`);
    }
  }

  private async generateIfNone(): Promise<void> {
    if (await this.db.run((em) => this.users.anyOperatorOwner(em))) return;
    // several instances may start together on an empty database: only the first generates
    const marker = `generated-${process.pid}-${Date.now()}`;
    if ((await this.settings.getOrCreate('bootstrap_console', () => marker)) !== marker) return;
    const password = randomBytes(15).toString('base64url');
    if (!(await this.create(GENERATED_OWNER_EMAIL, password, true))) return;
    this.logger.warn(
      `no console owner existed, so one was generated. It is printed this once: ` +
        `email=${GENERATED_OWNER_EMAIL} password=${password} (to be changed at first login)`,
    );
  }

  private async create(email: string, password: string, mustChange: boolean): Promise<boolean> {
    const now = Date.now();
    const user = newConsoleUser(
      {
        userId: newId('usr'),
        email,
        name: 'Owner',
        scope: 'operator',
        sourceId: null,
        role: 'owner',
        passwordHash: await hashPassword(password),
        mustChangePassword: mustChange,
      },
      now,
    );
    try {
      await this.db.run((em) => this.users.insert(em, user));
      return true;
    } catch (error) {
      // another instance starting at the same moment created it from the same settings
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
