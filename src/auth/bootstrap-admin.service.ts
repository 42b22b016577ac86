import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppSettingsService } from '../database/app-settings.service';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import { hashSecret, newClientId, newClientSecret, verifySecret } from './client-secrets';
import { CredentialStateCache } from './credential-state-cache';
import { CredentialsRepository } from './credentials.repository';
import { CredentialEntity } from './entities/credential.entity';

/**
 * Makes sure an admin can get a token: the credential named by BOOTSTRAP_ADMIN_CLIENT_ID /
 * BOOTSTRAP_ADMIN_CLIENT_SECRET exists (with that secret) after start; without them, on a
 * database with no admin, one is generated and its secret printed once to the log, except in
 * production, where the operator creates one with the create-admin command instead.
 */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger('BootstrapAdmin');

  constructor(
    private readonly db: Database,
    private readonly credentials: CredentialsRepository,
    private readonly settings: AppSettingsService,
    private readonly config: AppConfig,
    private readonly credentialStates: CredentialStateCache,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { BOOTSTRAP_ADMIN_CLIENT_ID: clientId, BOOTSTRAP_ADMIN_CLIENT_SECRET: secret } =
      this.config.env;
    if (clientId && secret) await this.ensure(clientId, secret);
    else await this.generateIfNone();
  }

  private async ensure(clientId: string, secret: string): Promise<void> {
    const existing = await this.db.run((em) => this.credentials.findById(em, clientId));
    if (
      existing &&
      existing.status === 'active' &&
      (await verifySecret(secret, existing.secretHash))
    )
      return;
    const secretHash = await hashSecret(secret);
    try {
      await this.ensureHash(clientId, secretHash);
    } catch (error) {
      // another instance starting at the same moment inserted it first, from the same settings
      if (!isUniqueViolation(error)) throw error;
      await this.ensureHash(clientId, secretHash);
    }
    this.logger.log(`admin credential ${clientId} ensured from BOOTSTRAP_ADMIN_CLIENT_ID`);
  }

  private async ensureHash(clientId: string, secretHash: string): Promise<void> {
    await this.db.transaction(async (em) => {
      if (await this.credentials.findById(em, clientId)) {
        await this.credentials.updateSecretHash(em, clientId, secretHash);
      } else {
        await this.credentials.insert(em, adminCredential(clientId, secretHash));
      }
      await this.credentialStates.changed(em, { clientId });
    });
  }

  private async generateIfNone(): Promise<void> {
    if (await this.db.run((em) => this.credentials.anyActiveAdmin(em))) return;
    if (this.config.production) {
      // a generated secret would have to be shown somewhere, and a production log is read by
      // more people than the operator: the operator makes one where only they see it
      this.logger.warn(
        'no admin credential exists and none is generated in production: run ' +
          '`node dist/cli/create-admin.js` (it prints the new secret on its own output only), ' +
          'or set BOOTSTRAP_ADMIN_CLIENT_ID and BOOTSTRAP_ADMIN_CLIENT_SECRET',
      );
      return;
    }
    // several instances may start together on an empty database: only the first generates
    const marker = `generated-${process.pid}-${Date.now()}`;
    if ((await this.settings.getOrCreate('bootstrap_admin', () => marker)) !== marker) return;
    const { clientId, secret } = await createAdminCredential(this.db, this.credentials);
    this.logger.warn(
      `no admin credential existed, so one was generated (development only). It is printed ` +
        `this once: client_id=${clientId} client_secret=${secret}`,
    );
  }
}

/** A new admin credential with a generated secret; the secret is returned, never stored. */
export async function createAdminCredential(
  db: Pick<Database, 'run'>,
  credentials: CredentialsRepository,
): Promise<{ clientId: string; secret: string }> {
  const clientId = newClientId('admin');
  const secret = newClientSecret();
  const secretHash = await hashSecret(secret);
  await db.run((em) => credentials.insert(em, adminCredential(clientId, secretHash)));
  return { clientId, secret };
}

/** An active admin credential; admins are made from the environment or a command, by no one. */
function adminCredential(clientId: string, secretHash: string): CredentialEntity {
  return {
    clientId,
    role: 'admin',
    sourceId: null,
    secretHash,
    status: 'active',
    createdAt: Date.now(),
    revokedAt: null,
    createdBy: null,
  };
}
