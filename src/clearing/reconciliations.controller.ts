import { ApiErrors } from '../docs/api-errors.decorator';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  CreateReconciliationDto,
  ListReconciliationsQueryDto,
  ReconciliationDto,
  ReconciliationPageDto,
} from './dto/reconciliation.dto';
import { ReconciliationsService } from './reconciliations.service';

@ApiTags('清算')
@ApiBearerAuth('bearer')
@Controller('v1/clearing/reconciliations')
export class ReconciliationsController {
  constructor(private readonly reconciliations: ReconciliationsService) {}

  @Post()
  @Permission('clearing.manage')
  @ApiErrors(
    'invalid_date',
    'date_in_future',
    'channel_not_found',
    'statement_unavailable',
    'channel_unavailable',
  )
  @Idempotent()
  @Audit('clearing.reconcile', 'reconciliation', { resultField: 'reconciliation_id' })
  @ApiOperation({
    summary: '对账 Reconcile a channel statement',
    description:
      "Fetches the channel's statement for the date and compares it with the gateway's payments and refunds of that channel " +
      'and date, by order and refund id: `matched_count` and the discrepancies (`missing_in_gateway`, `missing_in_channel`, ' +
      '`amount_mismatch`, `status_mismatch`, and `fee_mismatch` when the statement carries fees). Notifications payments ' +
      'could not apply (another amount, an unknown order) show up with `source: notification`. 503 `channel_unavailable` ' +
      'when the channel does not answer; 422 `statement_unavailable` when it has no statement for the date.',
  })
  create(@Body() body: CreateReconciliationDto): Promise<ReconciliationDto> {
    return this.reconciliations.reconcile(body);
  }

  @Get()
  @Permission('clearing.read')
  @ApiErrors('invalid_date')
  @ApiOperation({
    summary: '对账记录 List reconciliations',
    description: 'Newest first; filter by `date` and `channel`.',
  })
  list(@Query() query: ListReconciliationsQueryDto): Promise<ReconciliationPageDto> {
    return this.reconciliations.listReconciliations(query);
  }
}
