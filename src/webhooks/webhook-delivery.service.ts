import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { KeysService } from '../common/crypto/keys.service';
import { newId } from '../common/ids';
import { SsrfGuard } from '../common/net/ssrf-guard';
import { iso } from '../common/time';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database.service';
import { JobLeaseService } from '../database/job-lease.service';
import { MerchantEntity } from '../merchants/entities/merchant.entity';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { AttemptResult, WebhookEventsRepository } from './webhook-events.repository';
import { DeliveryOutcome, WebhookMetrics } from './webhook-metrics';
import { AttemptOutcome, WebhookSender } from './webhook-sender';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature';

/**
 * A claim outlives the attempt's own bound (WEBHOOK_TIMEOUT_MS) by this much, for loading the
 * merchant and writing the outcome. Only a worker that died or stalled loses its claim.
 */
const CLAIM_MARGIN_MS = 5000;

/**
 * The delivery worker. Each pass claims as many due events as it has free slots (so an event
 * is never claimed while it waits for a slot, and the lease covers the attempt alone), POSTs
 * each one signed to the merchant's notify_url, appends the attempt to the log, and then —
 * only if it still holds the claim — marks the event delivered, schedules the next attempt
 * per WEBHOOK_RETRY_SCHEDULE, or marks it failed after the last. A worker that dies leaves
 * claims that expire; another instance takes the events over (at least once delivery).
 */
@Injectable()
export class WebhookDelivery implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDelivery.name);
  private readonly sender: WebhookSender;
  private readonly inFlight = new Set<Promise<void>>();
  private claimSeq = 0;
  private polling?: Promise<number>;
  private stopped = false;
  /** Set by the delivery job: freed slots are refilled at once while events wait. */
  private continuous = false;
  /** The last claim filled every free slot: more events may be due. */
  private moreDue = false;

  constructor(
    private readonly db: Database,
    private readonly events: WebhookEventsRepository,
    private readonly attempts: WebhookAttemptsRepository,
    private readonly merchants: MerchantsRepository,
    private readonly keys: KeysService,
    private readonly leases: JobLeaseService,
    private readonly metrics: WebhookMetrics,
    private readonly config: AppConfig,
  ) {
    this.sender = new WebhookSender(
      new SsrfGuard(config.env.WEBHOOK_ALLOW_PRIVATE),
      config.env.WEBHOOK_TIMEOUT_MS,
    );
  }

  /**
   * One pass: claims due events for the free slots and starts their attempts without waiting
   * for them. Returns how many it claimed. Overlapping calls share one pass.
   */
  poll(): Promise<number> {
    this.polling ??= this.claimAndStart().finally(() => {
      this.polling = undefined;
      this.refillIfDue();
    });
    return this.polling;
  }

  /**
   * From now on, while a claim comes back full, claims again as soon as half the slots are
   * free instead of waiting for the next WEBHOOK_POLL_INTERVAL_MS: a backlog drains at the
   * speed of the merchants' endpoints. The job turns it on; tests drive passes themselves.
   */
  deliverContinuously(): void {
    this.continuous = true;
  }

  private refillIfDue(): void {
    if (!this.continuous || !this.moreDue || this.stopped || this.polling) return;
    if (this.inFlight.size > this.config.env.WEBHOOK_CONCURRENCY / 2) return;
    this.poll().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'webhook delivery pass failed; retrying next tick');
    });
  }

  /** Attempts everything due now and waits for the outcomes: for tests and one-off runs. */
  async deliverDue(): Promise<void> {
    for (;;) {
      const claimed = await this.poll();
      await Promise.all(this.inFlight);
      if (claimed === 0) return;
    }
  }

  /** Attempts in flight finish (each is bounded by WEBHOOK_TIMEOUT_MS) and are recorded. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.polling?.catch(() => undefined);
    await Promise.all(this.inFlight);
  }

  private async claimAndStart(): Promise<number> {
    const free = this.config.env.WEBHOOK_CONCURRENCY - this.inFlight.size;
    if (this.stopped || free <= 0) return 0;
    const token = `${this.leases.owner}/${++this.claimSeq}`;
    const now = Date.now();
    const claimed = await this.db.run((em) =>
      this.events.claimDue(em, {
        token,
        now,
        leaseMs: this.config.env.WEBHOOK_TIMEOUT_MS + CLAIM_MARGIN_MS,
        limit: free,
      }),
    );
    this.moreDue = claimed.length >= free;
    // one read per merchant of the batch, not one per event
    const merchants = new Map<number, Promise<MerchantEntity | null>>();
    for (const event of claimed)
      if (!merchants.has(event.sourceId))
        merchants.set(
          event.sourceId,
          this.db.run((em) => this.merchants.findBySourceId(em, event.sourceId)),
        );
    for (const event of claimed) {
      const attempt = this.attempt(event, token, merchants.get(event.sourceId)!).finally(() => {
        this.inFlight.delete(attempt);
        this.refillIfDue();
      });
      this.inFlight.add(attempt);
    }
    return claimed.length;
  }

  private async attempt(
    event: WebhookEventEntity,
    token: string,
    merchantOf: Promise<MerchantEntity | null>,
  ): Promise<void> {
    try {
      const merchant = await merchantOf;
      const attemptedAt = Date.now();
      const outcome = await this.send(event, merchant);
      await this.record(event, token, attemptedAt, outcome);
    } catch (error) {
      // nothing recorded (the database failed): the claim expires and the event is attempted again
      this.logger.error(
        { err: error, event_id: event.id },
        'webhook attempt could not be recorded',
      );
    }
  }

  /** One POST, or the reason none could be made; a failure here still counts as an attempt. */
  private async send(
    event: WebhookEventEntity,
    merchant: MerchantEntity | null,
  ): Promise<AttemptOutcome> {
    const failed = (error: string): AttemptOutcome => ({
      delivered: false,
      url: null,
      statusCode: null,
      latencyMs: 0,
      error,
      responseExcerpt: null,
    });
    if (!merchant?.notifyUrl) return failed('the merchant has no notify_url');
    const body = webhookBody(event);
    let headers: Record<string, string>;
    try {
      headers = this.headers(event, body, merchant);
    } catch (error) {
      // e.g. CHANNEL_CONFIG_KEY changed: an operator must act; the schedule still runs its course
      this.logger.error({ err: error, event_id: event.id }, 'webhook secret could not be opened');
      return failed('the webhook secret could not be read');
    }
    return this.sender.post(merchant.notifyUrl, body, headers);
  }

  /** Signed afresh for every attempt, with the previous secret too while its grace lasts. */
  private headers(
    event: WebhookEventEntity,
    body: string,
    merchant: MerchantEntity,
  ): Record<string, string> {
    const box = this.keys.secretBox;
    const now = Date.now();
    const secrets = [box.open(merchant.webhookSecret)];
    if (
      merchant.webhookSecretPrevious !== null &&
      merchant.webhookSecretPreviousUntil !== null &&
      merchant.webhookSecretPreviousUntil > now
    ) {
      secrets.push(box.open(merchant.webhookSecretPrevious));
    }
    return {
      'Content-Type': 'application/json',
      [EVENT_ID_HEADER]: event.id,
      [SIGNATURE_HEADER]: signWebhook(body, secrets, Math.floor(now / 1000)),
    };
  }

  private async record(
    event: WebhookEventEntity,
    token: string,
    attemptedAt: number,
    outcome: AttemptOutcome,
  ): Promise<void> {
    const finishedAt = Date.now();
    const result = this.resultOf(event, outcome, finishedAt);
    const applied = await this.db.transaction(async (em) => {
      await this.attempts.insert(em, {
        id: newId('wha'),
        eventId: event.id,
        attempt: event.attemptCount + 1,
        attemptedAt,
        url: outcome.url,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        error: outcome.error,
        responseExcerpt: outcome.responseExcerpt,
        deliveredBy: token,
      });
      return this.events.finishAttempt(em, {
        id: event.id,
        token,
        redeliveryCount: event.redeliveryCount,
        ...result,
      });
    });
    const counted: DeliveryOutcome =
      result.deliveryStatus === 'pending' ? 'retrying' : result.deliveryStatus;
    this.metrics.countAttempt(counted);
    const context = {
      event_id: event.id,
      attempt: event.attemptCount + 1,
      status_code: outcome.statusCode,
      error: outcome.error,
    };
    if (!applied) {
      this.logger.warn(context, 'webhook claim expired during the attempt; result not applied');
    } else if (counted === 'failed') {
      this.logger.warn(context, 'webhook delivery failed for good after the last attempt');
    } else {
      this.logger.debug({ ...context, outcome: counted }, 'webhook attempt');
    }
  }

  private resultOf(event: WebhookEventEntity, outcome: AttemptOutcome, now: number): AttemptResult {
    if (outcome.delivered)
      return { deliveryStatus: 'delivered', nextAttemptAt: null, deliveredAt: now };
    const schedule = this.config.env.WEBHOOK_RETRY_SCHEDULE;
    const waitSeconds = schedule[event.scheduleStep];
    if (waitSeconds === undefined)
      return { deliveryStatus: 'failed', nextAttemptAt: null, deliveredAt: null };
    return {
      deliveryStatus: 'pending',
      nextAttemptAt: now + waitSeconds * 1000,
      deliveredAt: null,
    };
  }
}

/**
 * The webhook body, `{id, type, created_at, sequence, data}`, with `data` exactly as the outbox
 * stored it; the same bytes on every attempt, and the bytes that are signed.
 */
export function webhookBody(event: WebhookEventEntity): string {
  return (
    `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},` +
    `"created_at":${JSON.stringify(iso(event.createdAt))},"sequence":${Number(event.sequence)},` +
    `"data":${event.data}}`
  );
}
