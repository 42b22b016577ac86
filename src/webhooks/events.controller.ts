import { Permission } from '../auth/permissions';
import { ApiErrors } from '../docs/api-errors.decorator';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { OrderDto } from '../payments/dto/order.dto';
import { RefundDto } from '../payments/dto/refund.dto';
import { ListEventsQueryDto, WebhookEventDto, WebhookEventPageDto } from './dto/webhook-event.dto';
import { EventsService } from './events.service';

@ApiTags('Webhooks')
@ApiBearerAuth('bearer')
@ApiExtraModels(OrderDto, RefundDto)
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @Permission('events.read')
  @ApiErrors('source_id_mismatch', 'invalid_cursor')
  @ApiOperation({
    summary: '通知事件列表 List webhook events',
    description:
      'Newest first. A merchant sees its own events; admins see all, or one merchant with `source_id`. ' +
      'Filters: `order_id`, `type`, `delivery_status`.',
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListEventsQueryDto,
  ): Promise<WebhookEventPageDto> {
    return this.events.listEvents(principal, query);
  }

  @Get(':id')
  @Permission('events.read')
  @ApiErrors('event_not_found')
  @ApiOperation({
    summary: '查询通知事件 Get a webhook event',
    description:
      "With its delivery attempts (the latest 100): time, URL, status code, latency, error and the start of the response. Another merchant's event is 404.",
  })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<WebhookEventDto> {
    return this.events.getEvent(principal, id);
  }

  @Post(':id/redeliver')
  @Permission('events.redeliver')
  @ApiErrors('event_not_found')
  @HttpCode(200)
  @Audit('event.redeliver', 'webhook_event', { param: 'id' })
  @ApiOperation({
    summary: '重新投递 Redeliver a webhook event',
    description:
      'Puts the event back in the queue, due now, with the whole retry schedule ahead of it, whatever its status. ' +
      'Earlier attempts stay in the log. The body and `Paygate-Event-Id` are the same as before; the signature is fresh.',
  })
  redeliver(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<WebhookEventDto> {
    return this.events.redeliverEvent(principal, id);
  }
}
