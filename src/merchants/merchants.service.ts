import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { hashSecret, newClientId, newClientSecret } from '../auth/client-secrets';
import { CredentialStateCache } from '../auth/credential-state-cache';
import { CredentialsRepository } from '../auth/credentials.repository';
import { CredentialEntity } from '../auth/entities/credential.entity';
import { Principal } from '../auth/principal';
import { KeysService } from '../common/crypto/keys.service';
import { AppError } from '../common/errors/app-error';
import { SsrfGuard, UrlRefusedError } from '../common/net/ssrf-guard';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/database-errors';
import { Database } from '../database/database.service';
import {
  CreatedCredentialDto,
  CreatedMerchantDto,
  CreateMerchantDto,
  CredentialDto,
  CredentialListDto,
  ListMerchantsQueryDto,
  MerchantDto,
  MerchantPageDto,
  RevokedCredentialDto,
  UpdateMerchantDto,
  WebhookSecretDto,
} from './dto/merchant.dto';
import { MerchantEntity } from './entities/merchant.entity';
import { MerchantError } from './merchants.errors';
import { MerchantsRepository } from './merchants.repository';

@Injectable()
export class MerchantsService {
  private readonly urlGuard: SsrfGuard;

  constructor(
    private readonly db: Database,
    private readonly merchants: MerchantsRepository,
    private readonly credentials: CredentialsRepository,
    private readonly keys: KeysService,
    private readonly credentialStates: CredentialStateCache,
    private readonly config: AppConfig,
  ) {
    this.urlGuard = new SsrfGuard(config.env.WEBHOOK_ALLOW_PRIVATE);
  }

  async createMerchant(principal: Principal, dto: CreateMerchantDto): Promise<CreatedMerchantDto> {
    const notifyUrl =
      dto.notify_url === undefined ? null : await this.checkNotifyUrl(dto.notify_url);
    const webhookSecret = newWebhookSecret();
    const clientSecret = newClientSecret();
    const secretHash = await hashSecret(clientSecret);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (em) => {
          const now = Date.now();
          const merchant: MerchantEntity = {
            sourceId: await this.merchants.nextSourceId(em),
            name: dto.name,
            status: 'active',
            notifyUrl,
            webhookSecret: this.keys.secretBox.seal(webhookSecret),
            webhookSecretPrevious: null,
            webhookSecretPreviousUntil: null,
            createdAt: now,
            updatedAt: now,
          };
          await this.merchants.insert(em, merchant);
          const credential = newCredential(merchant.sourceId, secretHash, now, principal.clientId);
          await this.credentials.insert(em, credential);
          return {
            ...toMerchantDto(merchant),
            client_id: credential.clientId,
            client_secret: clientSecret,
            webhook_secret: webhookSecret,
          };
        });
      } catch (error) {
        // two creates picked the same next code; the loser takes the one after
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
      }
    }
  }

  async getMerchant(principal: Principal, sourceId: number): Promise<MerchantDto> {
    return toMerchantDto(await this.readable(principal, sourceId));
  }

  async getOwnMerchant(principal: Principal): Promise<MerchantDto> {
    if (principal.sourceId === null) throw MerchantError.merchantNotFound();
    return this.getMerchant(principal, principal.sourceId);
  }

  async listMerchants(query: ListMerchantsQueryDto): Promise<MerchantPageDto> {
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'integer');
    const rows = await this.db.run((em) =>
      this.merchants.list(em, { status: query.status, before, limit }),
    );
    return toPage(rows, limit, (m) => m.sourceId, toMerchantDto);
  }

  async updateMerchant(
    principal: Principal,
    sourceId: number,
    dto: UpdateMerchantDto,
  ): Promise<MerchantDto> {
    await this.readable(principal, sourceId);
    if (principal.role !== 'admin' && (dto.name !== undefined || dto.status !== undefined)) {
      throw AppError.forbidden();
    }
    const notifyUrl =
      dto.notify_url === undefined || dto.notify_url === null
        ? dto.notify_url
        : await this.checkNotifyUrl(dto.notify_url);
    const updated = await this.db.transaction(async (em) => {
      await this.merchants.update(
        em,
        sourceId,
        {
          ...(dto.name !== undefined ? { name: dto.name } : {}),
          ...(dto.status !== undefined ? { status: dto.status } : {}),
          ...(notifyUrl !== undefined ? { notifyUrl } : {}),
        },
        Date.now(),
      );
      // a suspension must reach every instance's credential cache with the commit
      if (dto.status !== undefined) await this.credentialStates.changed(em, { sourceId });
      return toMerchantDto(await this.mustFind(em, sourceId));
    });
    if (dto.status !== undefined) this.credentialStates.evict({ sourceId });
    return updated;
  }

  /**
   * A further credential for the merchant, made by an admin or by the merchant itself (to
   * rotate without waiting for an operator), up to MAX_ACTIVE_CREDENTIALS_PER_MERCHANT active
   * ones. It records who made it, so that revoking a stolen credential can take what it made
   * along (`revokeCredential(…, cascade)`).
   */
  async addCredential(principal: Principal, sourceId: number): Promise<CreatedCredentialDto> {
    await this.readable(principal, sourceId);
    const limit = this.config.env.MAX_ACTIVE_CREDENTIALS_PER_MERCHANT;
    // refused before hashing: scrypt is what a flood of creations would cost everyone
    if ((await this.db.run((em) => this.credentials.countActive(em, sourceId))) >= limit) {
      throw MerchantError.credentialLimitReached(limit);
    }
    const clientSecret = newClientSecret();
    const secretHash = await hashSecret(clientSecret);
    const credential = newCredential(sourceId, secretHash, Date.now(), principal.clientId);
    await this.db.transaction(async (em) => {
      // counted under the merchant's row lock: concurrent creations cannot pass the limit
      if (!(await this.merchants.lock(em, sourceId))) throw MerchantError.merchantNotFound();
      if ((await this.credentials.countActive(em, sourceId)) >= limit) {
        throw MerchantError.credentialLimitReached(limit);
      }
      await this.credentials.insert(em, credential);
    });
    return { ...toCredentialDto(credential), client_secret: clientSecret };
  }

  async listCredentials(principal: Principal, sourceId: number): Promise<CredentialListDto> {
    await this.readable(principal, sourceId);
    const rows = await this.db.run((em) => this.credentials.listBySourceId(em, sourceId));
    return { items: rows.map(toCredentialDto), next_cursor: null };
  }

  /**
   * Revokes one of the merchant's credentials; its tokens are refused from now on. With
   * `cascade`, the credentials it created go too, and theirs, even when it was revoked before.
   */
  async revokeCredential(
    principal: Principal,
    sourceId: number,
    clientId: string,
    cascade = false,
  ): Promise<RevokedCredentialDto> {
    await this.readable(principal, sourceId);
    const now = Date.now();
    const { revoked, alsoRevoked } = await this.db.transaction(async (em) => {
      const credential = await this.credentials.findById(em, clientId);
      if (!credential || credential.sourceId !== sourceId) throw MerchantError.credentialNotFound();
      await this.credentials.revoke(em, clientId, now);
      const made = cascade
        ? await this.credentials.revokeCreatedBy(em, sourceId, clientId, now)
        : [];
      for (const id of [clientId, ...made])
        await this.credentialStates.changed(em, { clientId: id });
      const after = await this.credentials.findById(em, clientId);
      return { revoked: toCredentialDto(after ?? credential), alsoRevoked: made };
    });
    for (const id of [clientId, ...alsoRevoked]) this.credentialStates.evict({ clientId: id });
    return { ...revoked, also_revoked: alsoRevoked };
  }

  /**
   * Issues a new webhook signing secret, shown only in this answer. The old one keeps signing
   * too (a second `v1` in Paygate-Signature) for WEBHOOK_SECRET_GRACE_SECONDS, so the merchant
   * can switch its receivers over without losing a webhook.
   */
  async rotateWebhookSecret(principal: Principal, sourceId: number): Promise<WebhookSecretDto> {
    await this.readable(principal, sourceId);
    const secret = newWebhookSecret();
    const now = Date.now();
    const previousUntil = now + this.config.env.WEBHOOK_SECRET_GRACE_SECONDS * 1000;
    const rotated = await this.db.run((em) =>
      this.merchants.rotateWebhookSecret(
        em,
        sourceId,
        this.keys.secretBox.seal(secret),
        previousUntil,
        now,
      ),
    );
    if (!rotated) throw MerchantError.merchantNotFound();
    return {
      source_id: sourceId,
      webhook_secret: secret,
      previous_secret_expires_at: iso(previousUntil),
    };
  }

  /** The merchant, if this caller may see it: admins all, a merchant only itself (else 404). */
  private async readable(principal: Principal, sourceId: number): Promise<MerchantEntity> {
    if (principal.role !== 'admin' && principal.sourceId !== sourceId)
      throw MerchantError.merchantNotFound();
    return this.db.run((em) => this.mustFind(em, sourceId));
  }

  private async mustFind(em: EntityManager, sourceId: number): Promise<MerchantEntity> {
    const merchant = await this.merchants.findBySourceId(em, sourceId);
    if (!merchant) throw MerchantError.merchantNotFound();
    return merchant;
  }

  private async checkNotifyUrl(url: string): Promise<string> {
    try {
      return (await this.urlGuard.check(url)).url.toString();
    } catch (error) {
      if (error instanceof UrlRefusedError) throw MerchantError.invalidNotifyUrl(error.message);
      throw error;
    }
  }
}

function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function newCredential(
  sourceId: number,
  secretHash: string,
  now: number,
  createdBy: string,
): CredentialEntity {
  return {
    clientId: newClientId('merchant'),
    role: 'merchant',
    sourceId,
    secretHash,
    status: 'active',
    createdAt: now,
    revokedAt: null,
    createdBy,
  };
}

export function toMerchantDto(m: MerchantEntity): MerchantDto {
  return {
    source_id: m.sourceId,
    name: m.name,
    status: m.status,
    notify_url: m.notifyUrl,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
  };
}

function toCredentialDto(c: CredentialEntity): CredentialDto {
  return {
    client_id: c.clientId,
    status: c.status,
    created_at: iso(c.createdAt),
    revoked_at: iso(c.revokedAt),
    created_by: c.createdBy,
  };
}
