import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { ApiErrors } from '../docs/api-errors.decorator';
import { QueryRefundsDto, RefundPageDto } from './dto/query-refunds.dto';
import { RefundsService } from './refunds.service';

@ApiTags('支付订单')
@ApiBearerAuth('bearer')
@Controller('v1/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  @Get()
  @Permission('payments.read')
  @ApiErrors('source_id_mismatch', 'invalid_cursor')
  @ApiOperation({
    summary: '退款列表 List refunds',
    description:
      'Every refund the caller may see, newest first, filtered by `status`, `order_id`, `created_from`, `created_to` ' +
      "and (operators) `source_id`. A merchant sees only its own; naming another merchant's `source_id` is 403. " +
      "Each refund carries its merchant's `source_id` and its order's `merchant_order_no`.",
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: QueryRefundsDto,
  ): Promise<RefundPageDto> {
    return this.refunds.queryRefunds(principal, query);
  }
}
