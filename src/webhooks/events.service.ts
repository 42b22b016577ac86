import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { decodeCursor, toPage } from '../common/pagination/pagination';
import { iso } from '../common/time';
import { Database } from '../database/database.service';
import {
  ListEventsQueryDto,
  WebhookAttemptDto,
  WebhookEventDto,
  WebhookEventPageDto,
} from './dto/webhook-event.dto';
import { WebhookAttemptEntity } from './entities/webhook-attempt.entity';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WebhookAttemptsRepository } from './webhook-attempts.repository';
import { WebhookEventsRepository } from './webhook-events.repository';
import { WebhookError } from './webhooks.errors';

/** How many attempts `GET /v1/events/{id}` shows (redeliveries can add any number). */
const ATTEMPTS_SHOWN = 100;

/** The events API: merchants see their own events, admins all of them. */
@Injectable()
export class EventsService {
  constructor(
    private readonly db: Database,
    private readonly events: WebhookEventsRepository,
    private readonly attempts: WebhookAttemptsRepository,
  ) {}

  async listEvents(principal: Principal, query: ListEventsQueryDto): Promise<WebhookEventPageDto> {
    let sourceId = query.source_id;
    if (principal.role !== 'admin') {
      if (sourceId !== undefined && sourceId !== principal.sourceId)
        throw WebhookError.sourceIdMismatch(sourceId);
      sourceId = principal.sourceId ?? -1;
    }
    const limit = query.limit ?? 20;
    const before = decodeCursor(query.cursor, 'text');
    const rows = await this.db.run((em) =>
      this.events.list(em, {
        sourceId,
        orderId: query.order_id,
        type: query.type,
        deliveryStatus: query.delivery_status,
        beforeId: before,
        limit,
      }),
    );
    return toPage(
      rows,
      limit,
      (e) => e.id,
      (e) => toEventDto(e),
    );
  }

  async getEvent(principal: Principal, id: string): Promise<WebhookEventDto> {
    const event = await this.readable(principal, id);
    const attempts = await this.db.run((em) =>
      this.attempts.latestForEvent(em, event.id, ATTEMPTS_SHOWN),
    );
    return toEventDto(event, attempts);
  }

  /**
   * Sends the event again: pending, due now, with the whole retry schedule ahead of it.
   * Earlier attempts stay in the log.
   */
  async redeliverEvent(principal: Principal, id: string): Promise<WebhookEventDto> {
    await this.readable(principal, id);
    const event = await this.db.run((em) => this.events.redeliver(em, id, Date.now()));
    if (!event) throw WebhookError.eventNotFound();
    return toEventDto(event);
  }

  /** The event if this caller may see it: admins all, a merchant only its own (else 404). */
  private async readable(principal: Principal, id: string): Promise<WebhookEventEntity> {
    const event = await this.db.run((em) => this.events.findById(em, id));
    if (!event || (principal.role !== 'admin' && event.sourceId !== principal.sourceId))
      throw WebhookError.eventNotFound();
    return event;
  }
}

function toEventDto(e: WebhookEventEntity, attempts?: WebhookAttemptEntity[]): WebhookEventDto {
  return {
    id: e.id,
    type: e.type,
    source_id: e.sourceId,
    order_id: e.orderId,
    refund_id: e.refundId,
    created_at: iso(e.createdAt),
    sequence: e.sequence,
    data: JSON.parse(e.data) as WebhookEventDto['data'],
    delivery_status: e.deliveryStatus,
    attempt_count: e.attemptCount,
    next_attempt_at: iso(e.nextAttemptAt),
    delivered_at: iso(e.deliveredAt),
    ...(attempts ? { attempts: attempts.map(toAttemptDto) } : {}),
  };
}

function toAttemptDto(a: WebhookAttemptEntity): WebhookAttemptDto {
  return {
    attempt: a.attempt,
    attempted_at: iso(a.attemptedAt),
    url: a.url,
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    error: a.error,
    response_excerpt: a.responseExcerpt,
  };
}
