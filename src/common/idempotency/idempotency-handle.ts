import { EntityManager } from 'typeorm';
import { successEnvelope, SuccessEnvelope } from '../http/envelope';
import { IdempotencyClaim } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/** The key was already taken when the handler tried to claim it; the interceptor decides what follows. */
export class IdempotencyConflict extends Error {
  constructor() {
    super('idempotency key already claimed');
    this.name = 'IdempotencyConflict';
  }
}

/**
 * For `@Idempotent({ deferred: true })` routes: the handler claims the key inside its first
 * transaction and stores the response inside its last one, so a create costs no extra commits.
 * The claim and the resource it creates commit together or not at all.
 */
export class IdempotencyHandle {
  /** The claim is held (taken inside the handler's transaction, or by a takeover). */
  claimed = false;
  /** The response is stored; the interceptor has nothing left to record. */
  completed = false;
  /** This request took over a key whose first request died half-way. */
  recovering = false;
  /** The last response made by `storedResponse` in plain JSON, and the data it was made of. */
  private plain?: { data: unknown; json: string };

  constructor(
    private readonly service: IdempotencyService,
    readonly claim: IdempotencyClaim,
    private readonly requestId: string,
    /** Whether stored responses are sealed (see `IdempotentOptions.sealed`). */
    private readonly sealed = true,
  ) {}

  get key(): string {
    return this.claim.key;
  }

  /** The claim still to be taken by the handler's first write, if any. */
  get pendingClaim(): IdempotencyClaim | undefined {
    return this.claimed ? undefined : this.claim;
  }

  /** What is stored for replays of `data`: the exact body the client receives (see storedBody). */
  storedResponse(data: unknown): string {
    const body = this.service.storedBody(successEnvelope(data, this.requestId), this.sealed);
    if (!this.sealed) this.plain = { data, json: body };
    return body;
  }

  /**
   * The stored body, when it is plain JSON and `response` is the success envelope of the very
   * `data` object it was made of: the interceptor sends it as the response's serialization
   * instead of serializing the same response a second time.
   */
  storedJsonFor(response: unknown): string | undefined {
    if (this.plain === undefined || typeof response !== 'object' || response === null) return;
    const envelope = response as Partial<SuccessEnvelope<unknown>>;
    const same = envelope.data === this.plain.data && envelope.request_id === this.requestId;
    return same ? this.plain.json : undefined;
  }

  async claimWithin(em: EntityManager): Promise<void> {
    if (this.claimed) return;
    if (!(await this.service.claimWithin(em, this.claim))) throw new IdempotencyConflict();
    this.claimed = true;
  }

  /** Stores the success envelope the client is about to receive. */
  async completeWithin(em: EntityManager, status: number, data: unknown): Promise<void> {
    await this.service.storeWithin(
      em,
      this.claim,
      status,
      successEnvelope(data, this.requestId),
      this.sealed,
    );
    this.completed = true;
  }
}
