import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { CONSOLE_TAG } from '../console/console-session.controller';
import { ApiErrors } from '../docs/api-errors.decorator';
import {
  StatsChannelsDto,
  StatsOverviewDto,
  StatsQueryDto,
  StatsTimeseriesDto,
  StatsWebhooksDto,
  TimeseriesQueryDto,
} from './dto/stats.dto';
import { StatsService } from './stats.service';

const RANGE =
  '`from` and `to` are settlement dates (YYYY-MM-DD, whole days in SETTLEMENT_TZ, `to` ' +
  'included) or ISO 8601 times (`to` excluded), at most 366 days apart. Operators see every ' +
  'merchant, or one with `source_id`; a merchant only itself.';

@ApiTags(CONSOLE_TAG)
@ApiCookieAuth('session')
@ApiBearerAuth('bearer')
@Controller('v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('overview')
  @Permission('stats.read')
  @ApiErrors('source_id_mismatch')
  @ApiOperation({
    summary: '概览 Overview',
    description:
      'Orders created in the period by outcome (counts, and amounts per currency), success ' +
      'rate, refunds completed, fees and net; and the same for the period of the same length ' +
      `just before. ${RANGE}`,
  })
  overview(
    @CurrentPrincipal() principal: Principal,
    @Query() query: StatsQueryDto,
  ): Promise<StatsOverviewDto> {
    return this.stats.overview(principal, query);
  }

  @Get('timeseries')
  @Permission('stats.read')
  @ApiErrors('source_id_mismatch')
  @ApiOperation({
    summary: '趋势 Time series',
    description:
      'One metric per local hour or day of SETTLEMENT_TZ (daylight saving respected: a day ' +
      `may last 23 or 25 hours), every bucket present, zero-filled. ${RANGE}`,
  })
  timeseries(
    @CurrentPrincipal() principal: Principal,
    @Query() query: TimeseriesQueryDto,
  ): Promise<StatsTimeseriesDto> {
    return this.stats.timeseries(principal, query);
  }

  @Get('channels')
  @Permission('stats.read')
  @ApiErrors('source_id_mismatch')
  @ApiOperation({
    summary: '渠道统计 Channels',
    description:
      'Per channel: provider attempts, successes, failures by reason, success rate, provider ' +
      `latency at the 50th and 95th percentile, and the circuit's state now. ${RANGE}`,
  })
  channels(
    @CurrentPrincipal() principal: Principal,
    @Query() query: StatsQueryDto,
  ): Promise<StatsChannelsDto> {
    return this.stats.channels(principal, query);
  }

  @Get('webhooks')
  @Permission('stats.read')
  @ApiErrors('source_id_mismatch')
  @ApiOperation({
    summary: '通知统计 Webhooks',
    description:
      'Webhook events created in the period by delivery status, delivery attempts made in it ' +
      `by outcome, and the backlog now: events due and the one due the longest. ${RANGE}`,
  })
  webhooks(
    @CurrentPrincipal() principal: Principal,
    @Query() query: StatsQueryDto,
  ): Promise<StatsWebhooksDto> {
    return this.stats.webhooks(principal, query);
  }
}
