import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AllowDuringMaintenance } from '../admin/maintenance/maintenance.decorator';
import { Public } from '../common/auth/public.decorator';
import { Produces, RawResponse } from '../common/http/route-metadata';
import { NotificationsService } from './notifications.service';
import { ApiErrors } from '../docs/api-errors.decorator';
import { ProviderRefusalDto } from './dto/notification.dto';

@ApiTags('Channel notifications')
@Controller('v1/notify')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  /** Money in flight is never refused: no token (the signature is the proof), no rate limit, up during maintenance. */
  @Post(':channel_code')
  @Public()
  @AllowDuringMaintenance()
  @SkipThrottle()
  @RawResponse()
  @Produces('text/plain', 'application/json')
  @HttpCode(200)
  @ApiOkResponse({
    description:
      'Accepted: the text `success` (Alipay, the sandbox) or `ok` (UnionPay, which reads only the 200).',
    content: { 'text/plain': { schema: { type: 'string', example: 'success' } } },
  })
  @ApiNoContentResponse({ description: 'Accepted (WeChat Pay): no body.' })
  @ApiExtraModels(ProviderRefusalDto)
  @ApiUnauthorizedResponse({
    description: 'WeChat Pay\'s refusal `{code: "FAIL", message}`, in the form it reads.',
    content: { 'application/json': { schema: { $ref: getSchemaPath(ProviderRefusalDto) } } },
  })
  @ApiErrors('notification_rejected', 'channel_not_found')
  @ApiOperation({
    summary: '渠道通知 Provider notification',
    description:
      "A provider's asynchronous payment or refund result, in the provider's own format. Verified with the " +
      "channel's keys (401 and no change otherwise); answered with what the provider expects (e.g. `success`).",
  })
  async receive(
    @Param('channel_code') code: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.notifications.receive(code, {
      headers: request.headers,
      rawBody: request.rawBody ?? '',
      contentType: request.headers['content-type'] ?? '',
    });
    await reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
  }
}
