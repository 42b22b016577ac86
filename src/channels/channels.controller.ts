import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ChannelsService } from './channels.service';
import {
  ChannelDto,
  ChannelPageDto,
  CreateChannelDto,
  ListChannelsQueryDto,
  RouteExplanationDto,
  RouteQueryDto,
  UpdateChannelDto,
} from './dto/channel.dto';
import { ApiErrors } from '../docs/api-errors.decorator';

@ApiTags('渠道路由')
@ApiBearerAuth('bearer')
@Controller('v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Post()
  @Permission('channels.manage')
  @Idempotent()
  @Audit('channel.create', 'channel', { resultField: 'code' })
  @ApiErrors('invalid_amount', 'invalid_currency', 'channel_code_taken')
  @ApiOperation({
    summary: '添加渠道 Add a channel',
    description:
      '`config` is checked by the provider adapter (400 with `config.<key>` field errors); its secret fields are encrypted at rest and shown masked. A code may be added again after its channel was deleted.',
  })
  create(@Body() body: CreateChannelDto): Promise<ChannelDto> {
    return this.channels.createChannel(body);
  }

  @Get()
  @Permission('channels.read')
  @ApiOperation({
    summary: '查询渠道 List channels',
    description: 'Live channels, newest first, with their health and today’s routed volume.',
  })
  list(@Query() query: ListChannelsQueryDto): Promise<ChannelPageDto> {
    return this.channels.listChannels(query);
  }

  // declared before `:code`, and `route` is refused as a channel code
  @Get('route')
  @Permission('channels.read')
  @ApiErrors('invalid_amount', 'invalid_currency')
  @ApiOperation({
    summary: '路由解释 Explain routing',
    description:
      'The candidates an order with this amount, currency and merchant would be offered, in the order they would be tried, and each excluded channel with its reason.',
  })
  explainRoute(@Query() query: RouteQueryDto): Promise<RouteExplanationDto> {
    return this.channels.explainRoute(query);
  }

  @Get(':code')
  @Permission('channels.read')
  @ApiErrors('channel_not_found', 'channel_deleted')
  @ApiOperation({
    summary: '查询渠道 Get a channel',
    description: '410 `channel_deleted` once deleted (until the code is added again).',
  })
  get(@Param('code') code: string): Promise<ChannelDto> {
    return this.channels.getChannel(code);
  }

  @Patch(':code')
  @Permission('channels.manage')
  @Audit('channel.update', 'channel', { param: 'code' })
  @ApiErrors('invalid_amount', 'invalid_currency', 'channel_not_found', 'channel_deleted')
  @ApiOperation({
    summary: '修改渠道 Update a channel',
    description:
      'Any field but `code` and `provider`. `config` replaces the config; a secret sent back masked keeps the stored one.',
  })
  update(@Param('code') code: string, @Body() body: UpdateChannelDto): Promise<ChannelDto> {
    return this.channels.updateChannel(code, body);
  }

  @Delete(':code')
  @Permission('channels.manage')
  @Audit('channel.delete', 'channel', { param: 'code' })
  @ApiErrors('channel_not_found', 'channel_deleted')
  @ApiOperation({
    summary: '删除渠道 Delete a channel',
    description:
      'The channel takes no new orders; its orders keep it and can still be refunded and reconciled.',
  })
  remove(@Param('code') code: string): Promise<ChannelDto> {
    return this.channels.deleteChannel(code);
  }
}
