import { Readable } from 'node:stream';
import { Permission } from '../auth/permissions';
import { ApiErrors } from '../docs/api-errors.decorator';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Produces, RawResponse } from '../common/http/route-metadata';
import { PageQueryDto } from '../common/pagination/pagination';
import { BillsService } from './bills.service';
import { BillDetailDto, BillPageDto, ListBillsQueryDto } from './dto/bill.dto';

@ApiTags('清算')
@ApiBearerAuth('bearer')
@Controller('v1/clearing/bills')
export class BillsController {
  constructor(private readonly bills: BillsService) {}

  @Get()
  @Permission('bills.read')
  @ApiErrors('invalid_date', 'source_id_mismatch', 'invalid_cursor')
  @ApiOperation({
    summary: '账单查询 List bills',
    description:
      "One bill per merchant, settlement date and currency: a merchant sees its own, an admin all (or one merchant's with `source_id`). " +
      '`date` is required, YYYY-MM-DD in SETTLEMENT_TZ (400 `invalid_date` otherwise). ' +
      '`net_amount = payment_amount − refund_amount − fee_amount`, all integer minor units.',
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListBillsQueryDto,
  ): Promise<BillPageDto> {
    return this.bills.listBills(principal, query);
  }

  @Get(':bill_id')
  @Permission('bills.read')
  @ApiErrors('bill_not_found', 'invalid_cursor')
  @ApiOperation({
    summary: '账单明细 Get a bill with its lines',
    description:
      "The bill and its movements, a page of lines at a time (`limit`, `cursor`). Another merchant's bill is 404 `bill_not_found`.",
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('bill_id') billId: string,
    @Query() query: PageQueryDto,
  ): Promise<BillDetailDto> {
    return this.bills.getBill(principal, billId, query);
  }

  @Get(':bill_id/download')
  @Permission('bills.download')
  @ApiErrors('bill_not_found')
  @RawResponse()
  @Produces('text/csv')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'The bill as a CSV attachment (`content-disposition: attachment`).',
    content: {
      'text/csv': {
        schema: { type: 'string' },
        example:
          'line_no,type,order_id,refund_id,merchant_order_no,channel,occurred_at,currency,amount,fee,net,amount_decimal,fee_decimal,net_decimal\r\n' +
          '1,payment,ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b,,SO-1,sandbox_main,2026-11-26T02:00:00.000Z,CNY,1000,6,994,10.00,0.06,9.94\r\n',
      },
    },
  })
  @ApiOperation({
    summary: '账单下载 Download a bill (CSV)',
    description:
      'UTF-8 CSV: a header row, then one row per movement in line order, no totals row. Amounts are signed integer minor units ' +
      '(refunds negative), each also as a decimal (`amount_decimal`…) for people. Streamed: ' +
      'the lines are read a batch at a time, so memory stays bounded whatever the bill size.',
  })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('bill_id') billId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Readable> {
    const { filename, lines } = await this.bills.downloadBill(principal, billId);
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`);
    return Readable.from(lines);
  }
}
