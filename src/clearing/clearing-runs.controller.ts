import { ApiErrors } from '../docs/api-errors.decorator';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ClearingRunsService } from './clearing-runs.service';
import {
  ClearingRunDto,
  ClearingRunPageDto,
  CreateClearingRunDto,
  ListClearingRunsQueryDto,
} from './dto/clearing-run.dto';

@ApiTags('清算')
@ApiBearerAuth('bearer')
@Controller('v1/clearing/runs')
export class ClearingRunsController {
  constructor(private readonly runs: ClearingRunsService) {}

  @Post()
  @Permission('clearing.manage')
  @ApiErrors('invalid_date', 'date_in_future')
  @Idempotent()
  @Audit('clearing.run', 'clearing_run', { resultField: 'run_id' })
  @ApiOperation({
    summary: '清算 Clear a settlement date',
    description:
      "Rebuilds the date's bills from its journal entries in one transaction; running a date again gives the same bills " +
      'unless something was recorded on it in between. A date that has not ended yet clears `provisional`; a run after its ' +
      'end makes its bills `final`. A future date is 400 `date_in_future`. The daily run (CLEARING_CRON) clears the day before.',
  })
  create(@Body() body: CreateClearingRunDto): Promise<ClearingRunDto> {
    return this.runs.runManually(body);
  }

  @Get()
  @Permission('clearing.read')
  @ApiErrors('invalid_date')
  @ApiOperation({
    summary: '清算记录 List clearing runs',
    description: 'Newest first; filter by `date`.',
  })
  list(@Query() query: ListClearingRunsQueryDto): Promise<ClearingRunPageDto> {
    return this.runs.listRuns(query);
  }
}
