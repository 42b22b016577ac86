import { hash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { stringify } from 'safe-stable-stringify';
import { AppError } from '../errors/app-error';
import { Database } from '../../database/database.service';
import { KeysService } from '../crypto/keys.service';
import { IdempotencyClaim, IdempotencyRepository } from './idempotency.repository';

/** How long a key is remembered. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a running first request holds its key; after that a retry may take over. */
export const LOCK_MS = 30 * 1000;

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,255}$/;

export type IdempotencyOutcome =
  { kind: 'execute'; recovering: boolean } | { kind: 'replay'; status: number; body: string };

export interface IdempotentRequest {
  scope: string;
  key: string;
  endpoint: string;
  params: unknown;
  body: unknown;
}

/**
 * Stripe-style idempotency keys with Brandur Leach's recovery rule. The claim is one
 * conditional INSERT, so of any number of concurrent requests (on any number of instances)
 * exactly one executes. The resources created under a key carry it too (orders have a unique
 * (merchant, key) constraint), so a retry that takes over from a request that died half-way
 * finds what was already done instead of doing it twice.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly db: Database,
    private readonly keys: IdempotencyRepository,
    private readonly crypto: KeysService,
  ) {}

  /**
   * A response as it is kept for replays: sealed (AES-256-GCM, the key of secrets at rest),
   * because some creating responses carry a secret shown only once (a merchant's
   * `client_secret` and `webhook_secret`), and the database must not hold them in clear.
   * Plain JSON only for routes that say so (`IdempotentOptions.sealed`).
   */
  storedBody(body: unknown, sealed = true): string {
    const json = JSON.stringify(body);
    return sealed ? this.crypto.secretBox.seal(json) : json;
  }

  /** The stored response as the client receives it; rows written before sealing are plain JSON. */
  private openResponse(stored: string): string {
    return stored.startsWith('{') ? stored : this.crypto.secretBox.open(stored);
  }

  static validKey(key: string): boolean {
    return PRINTABLE_ASCII.test(key);
  }

  static hashRequest(request: IdempotentRequest): string {
    // one-shot: the same digest as hashing the three parts in turn, without a Hash object
    const canonical = `${request.endpoint}\n${stringify(request.params) ?? ''}\n${stringify(request.body) ?? ''}`;
    return hash('sha256', canonical, 'hex');
  }

  /** The claim this request would make on its key. */
  newClaim(request: IdempotentRequest): IdempotencyClaim {
    const now = Date.now();
    return {
      scope: request.scope,
      key: request.key,
      endpoint: request.endpoint,
      requestHash: IdempotencyService.hashRequest(request),
      now,
      lockedUntil: now + LOCK_MS,
      expiresAt: now + RETENTION_MS,
    };
  }

  async begin(claim: IdempotencyClaim): Promise<IdempotencyOutcome> {
    if (await this.db.run((em) => this.keys.insertClaim(em, claim))) {
      return { kind: 'execute', recovering: false };
    }
    return this.inspect(claim);
  }

  /**
   * The key is taken: replay the stored response, refuse (another request under the key, or
   * the first one still running), or take over a key that expired or whose first request died.
   */
  async inspect(claim: IdempotencyClaim): Promise<IdempotencyOutcome> {
    const now = Date.now();
    const current = { ...claim, now, lockedUntil: now + LOCK_MS, expiresAt: now + RETENTION_MS };
    const existing = await this.db.run((em) => this.keys.find(em, claim.scope, claim.key));
    if (!existing) {
      // released between the claim and this read: claim again
      if (await this.db.run((em) => this.keys.insertClaim(em, current))) {
        return { kind: 'execute', recovering: false };
      }
      throw new AppError('idempotency_in_progress');
    }
    if (existing.expires_at < now) {
      const fresh = await this.db.run((em) =>
        this.keys.takeOver(em, current, { lockedUntil: existing.locked_until, expired: true }),
      );
      if (fresh) return { kind: 'execute', recovering: false };
      throw new AppError('idempotency_in_progress');
    }
    if (existing.request_hash !== claim.requestHash) throw new AppError('idempotency_key_reused');
    if (
      existing.status === 'completed' &&
      existing.response_status !== null &&
      existing.response_body !== null
    ) {
      return {
        kind: 'replay',
        status: existing.response_status,
        body: this.openResponse(existing.response_body),
      };
    }
    if (existing.locked_until > now) throw new AppError('idempotency_in_progress');
    const won = await this.db.run((em) =>
      this.keys.takeOver(em, current, { lockedUntil: existing.locked_until, expired: false }),
    );
    if (!won) throw new AppError('idempotency_in_progress');
    return { kind: 'execute', recovering: true };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.db.run((em) => this.keys.complete(em, scope, key, status, this.storedBody(body)));
  }

  /** Claims the key inside the caller's transaction: false when it is already taken. */
  claimWithin(em: EntityManager, claim: IdempotencyClaim): Promise<boolean> {
    return this.keys.insertClaim(em, claim);
  }

  /** Records the response inside the caller's transaction, whether or not the claim row survived. */
  async storeWithin(
    em: EntityManager,
    claim: IdempotencyClaim,
    status: number,
    body: unknown,
    sealed = true,
  ): Promise<void> {
    await this.keys.upsertCompleted(em, claim, status, this.storedBody(body, sealed));
  }

  async store(claim: IdempotencyClaim, status: number, body: unknown): Promise<void> {
    await this.db.run((em) => this.storeWithin(em, claim, status, body));
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.run((em) => this.keys.release(em, scope, key));
  }

  async deleteExpired(batch = 1000): Promise<number> {
    return this.db.run((em) => this.keys.deleteExpired(em, Date.now(), batch));
  }
}
