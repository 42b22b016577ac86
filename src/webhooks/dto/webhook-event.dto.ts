import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/pagination';
import { QueryInt } from '../../common/validation/decorators';
import { OrderDto } from '../../payments/dto/order.dto';
import { RefundDto } from '../../payments/dto/refund.dto';
import {
  DELIVERY_STATUSES,
  DeliveryStatus,
  WEBHOOK_EVENT_TYPES,
  WebhookEventType,
} from '../entities/webhook-event.entity';

export class ListEventsQueryDto extends PageQueryDto {
  /** Only the events of this order. @example ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  order_id?: string;

  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES)
  type?: WebhookEventType;

  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  delivery_status?: DeliveryStatus;

  /** Admins: only this merchant's events. A merchant may only name itself (else 403). */
  @ApiProperty({ required: false, type: 'integer', format: 'int64' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  source_id?: number;
}

/** One POST to the merchant's notify_url. */
export class WebhookAttemptDto {
  /** 1 for the first attempt; numbering goes on across redeliveries. */
  @ApiProperty({ type: 'integer' })
  attempt!: number;
  attempted_at!: string;
  /** The notify_url then, without query string or credentials; null when there was none. */
  @ApiProperty({ nullable: true, type: String })
  url!: string | null;
  /** The merchant's HTTP status; null when no answer came (timeout, refused, no notify_url). */
  @ApiProperty({ nullable: true, type: 'integer' })
  status_code!: number | null;
  /** Until the answer's status line, or the failure. */
  @ApiProperty({ type: 'integer' })
  latency_ms!: number;
  /** Why the attempt failed; null when delivered. */
  @ApiProperty({ nullable: true, type: String })
  error!: string | null;
  /** The first KiB of the merchant's response body. */
  @ApiProperty({ nullable: true, type: String })
  response_excerpt!: string | null;
}

/**
 * A merchant webhook event: what was (or will be) POSTed to notify_url as
 * `{id, type, created_at, sequence, data}`, and how its delivery went.
 */
export class WebhookEventDto {
  /** Also the `Paygate-Event-Id` header: deduplicate on it. @example evt_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b */
  id!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  type!: WebhookEventType;
  @ApiProperty({ type: 'integer', format: 'int64' })
  source_id!: number;
  order_id!: string;
  @ApiProperty({ nullable: true, type: String })
  refund_id!: string | null;
  created_at!: string;
  /**
   * 1, 2, 3… over every event of this order (payment.* and refund.* alike), in the order of the
   * changes: an event whose sequence is below one already handled for the order is stale.
   */
  @ApiProperty({ type: 'integer', minimum: 1 })
  sequence!: number;
  /** The order (payment.*) or the refund (refund.*) as it was at the change. */
  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(OrderDto) }, { $ref: getSchemaPath(RefundDto) }] })
  data!: OrderDto | RefundDto;
  /** `pending` until a 2xx (`delivered`) or the last scheduled attempt failed (`failed`). */
  @ApiProperty({ enum: DELIVERY_STATUSES })
  delivery_status!: DeliveryStatus;
  @ApiProperty({ type: 'integer' })
  attempt_count!: number;
  /** When the next attempt is due; null once delivered or failed. */
  @ApiProperty({ nullable: true, type: String })
  next_attempt_at!: string | null;
  @ApiProperty({ nullable: true, type: String })
  delivered_at!: string | null;
  /** On a single event: its latest 100 attempts, oldest first. */
  attempts?: WebhookAttemptDto[];
}

export class WebhookEventPageDto {
  items!: WebhookEventDto[];
  @ApiProperty({ nullable: true, type: String })
  next_cursor!: string | null;
}
