import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { Readable } from 'node:stream';
import { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Produces, RawResponse } from '../common/http/route-metadata';
import { HttpResult } from '../common/http/envelope';
import { HotRoute } from '../common/http/hot-routes';
import {
  IdempotencyContext,
  IdempotencyKey,
  Idempotent,
} from '../common/idempotency/idempotent.decorator';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { OrderDto, OrderPageDto } from './dto/order.dto';
import { QueryPaymentsDto } from './dto/query-payments.dto';
import { OrderFilterDto, OrderSearchPageDto, SearchPaymentsDto } from './dto/search-payments.dto';
import { CreateRefundDto, RefundDto, RefundListDto } from './dto/refund.dto';
import { PaymentSync } from './payment-sync.service';
import { PaymentsService } from './payments.service';
import { RefundsService } from './refunds.service';
import { ApiErrors } from '../docs/api-errors.decorator';
import { Audit } from '../admin/audit/audit.decorator';

const CREATE_DESCRIPTION =
  'Creates a payment order and routes it to a channel; `pay_url` is where the payer pays. ' +
  '`amount` is an integer count of minor units (1000 = 10.00 CNY): `10.00` is refused with ' +
  '`invalid_amount`. JSON or form body. A repeated `merchant_order_no` with identical fields ' +
  'returns the existing order (200); with other fields 409. Honours `Idempotency-Key`.';

/** What the three paths of 订单创建 share: who may call, idempotency, answers, errors. */
const CreatePaymentOperation = (operation: { summary: string; description: string }) =>
  applyDecorators(
    Permission('payments.create'),
    ApiCreatedResponse({ type: OrderDto, description: 'The order, routed to a channel.' }),
    ApiOkResponse({
      type: OrderDto,
      description:
        'The existing order: its merchant_order_no was sent before with the same fields.',
    }),
    // the stored response is the order as its row holds it, in clear: sealing it hid nothing
    Idempotent({ deferred: true, sealed: false }),
    HotRoute(),
    ApiErrors(
      'invalid_amount',
      'invalid_currency',
      'source_id_mismatch',
      'duplicate_merchant_order_no',
      'no_channel_available',
      'invalid_return_url',
    ),
    ApiOperation(operation),
  );

@ApiTags('支付订单')
@ApiBearerAuth('bearer')
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly refunds: RefundsService,
    private readonly sync: PaymentSync,
  ) {}

  @Post('create')
  @CreatePaymentOperation({
    summary: '订单创建 Create payment order',
    description: CREATE_DESCRIPTION,
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreatePaymentDto,
    @IdempotencyKey() idempotency: IdempotencyContext,
  ): Promise<OrderDto | HttpResult<OrderDto>> {
    return this.payments.createPayment(principal, body, idempotency);
  }

  @Post()
  @CreatePaymentOperation({
    summary: '订单创建 Create payment order (alias)',
    description: `Same as POST /v1/payments/create. ${CREATE_DESCRIPTION}`,
  })
  createAtCollection(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreatePaymentDto,
    @IdempotencyKey() idempotency: IdempotencyContext,
  ): Promise<OrderDto | HttpResult<OrderDto>> {
    return this.payments.createPayment(principal, body, idempotency);
  }

  @Post('payment')
  @CreatePaymentOperation({
    summary: '订单创建 Create payment order (original document path)',
    description: `Same as POST /v1/payments/create, at the path of the original document's curl example. ${CREATE_DESCRIPTION}`,
  })
  createAtOriginalPath(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreatePaymentDto,
    @IdempotencyKey() idempotency: IdempotencyContext,
  ): Promise<OrderDto | HttpResult<OrderDto>> {
    return this.payments.createPayment(principal, body, idempotency);
  }

  @Get()
  @Permission('payments.read')
  @HotRoute()
  @ApiExtraModels(OrderDto, OrderPageDto)
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(OrderDto) }, { $ref: getSchemaPath(OrderPageDto) }] },
  })
  @ApiErrors('order_not_found')
  @ApiOperation({
    summary: '订单查询 Query payment orders',
    description:
      "With `order_id` or `merchant_order_no`: that order. Without: the caller's orders, newest first, " +
      "filtered by `status`, `channel`, `created_from`, `created_to`. Another merchant's order is 404.",
  })
  query(
    @CurrentPrincipal() principal: Principal,
    @Query() query: QueryPaymentsDto,
  ): Promise<OrderDto | OrderPageDto> {
    return this.payments.queryPayments(principal, query);
  }

  @Get('search')
  @Permission('payments.read')
  @ApiErrors('source_id_mismatch', 'invalid_cursor')
  @ApiOperation({
    summary: '订单搜索 Search orders (console)',
    description:
      'Every filter of the console: creation time range, status, channel, merchant (operators), ' +
      'amount range, currency, and `q`, one box for an order id, a merchant order number or a ' +
      'channel trade number. Newest first, with `total_count` for the whole filter: exact up to ' +
      '10,000, past that an estimate (`total_exact: false`). A merchant sees only its own orders.',
  })
  search(
    @CurrentPrincipal() principal: Principal,
    @Query() query: SearchPaymentsDto,
  ): Promise<OrderSearchPageDto> {
    return this.payments.searchPayments(principal, query);
  }

  @Get('export')
  @Permission('payments.export')
  @Audit('payments.export', 'orders')
  @ApiErrors('source_id_mismatch')
  @RawResponse()
  @Produces('text/csv')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description:
      'Every order matching the filter (not one page), newest first, streamed as a CSV ' +
      'attachment; formula-like text is neutralised.',
    content: {
      'text/csv': {
        schema: { type: 'string' },
        example:
          'order_id,source_id,merchant_order_no,product_id,product_name,status,channel,channel_trade_no,currency,amount,fee_amount,refunded_amount,late_payment,created_at,paid_at,amount_decimal,fee_decimal,refunded_decimal\r\n' +
          'ord_0193a1f2c3d47e5f8a9b0c1d2e3f4a5b,1000001,SO-20261126-0001,123,apple,SUCCEEDED,sandbox_main,sbx_7f3a,CNY,1000,6,0,false,2026-11-26T02:00:00.000Z,2026-11-26T02:00:05.000Z,10.00,0.06,0.00\r\n',
      },
    },
  })
  @ApiOperation({
    summary: '订单导出 Export orders (CSV)',
    description:
      'The same filters as the search, every matching order in one download, read from the ' +
      'database a page at a time so memory stays bounded.',
  })
  export(
    @CurrentPrincipal() principal: Principal,
    @Query() query: OrderFilterDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Readable {
    const lines = this.payments.exportPayments(principal, query);
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="orders-${isoDay(Date.now())}.csv"`);
    return Readable.from(lines);
  }

  @Get(':order_id')
  @Permission('payments.read')
  @HotRoute()
  @ApiErrors('order_not_found')
  @ApiOperation({
    summary: '订单查询 Get a payment order',
    description: 'Admins also see the routing trace and every provider attempt.',
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('order_id') orderId: string,
  ): Promise<OrderDto> {
    return this.payments.getPayment(principal, orderId);
  }

  @Post(':order_id/close')
  @Permission('payments.close')
  @HttpCode(200)
  @Audit('order.close', 'order', { param: 'order_id', roles: ['admin'] })
  @ApiErrors('order_not_found', 'invalid_state', 'channel_unavailable')
  @ApiOperation({
    summary: '关闭订单 Close a payment order',
    description:
      'Only from PENDING (else 409 `invalid_state`); the channel is asked first, and a paid order is never closed.',
  })
  close(
    @CurrentPrincipal() principal: Principal,
    @Param('order_id') orderId: string,
  ): Promise<OrderDto> {
    return this.payments.closePayment(principal, orderId);
  }

  @Post(':order_id/sync')
  @Permission('payments.sync')
  @HttpCode(200)
  @Audit('order.sync', 'order', { param: 'order_id', roles: ['admin'] })
  @ApiErrors('order_not_found', 'invalid_state', 'channel_unavailable')
  @ApiOperation({
    summary: '同步订单状态 Sync a payment order now',
    description:
      "Asks the channel for a PENDING order's status right now, through the same code as the background " +
      'status sync, and applies the answer (idempotent: a success applied once emits one `payment.succeeded`). ' +
      'An order no longer PENDING is returned as it is. 409 `invalid_state` for an order with no trade to ask ' +
      'about yet (a cashier order before the payer chose a wallet); 503 `channel_unavailable` when the channel ' +
      'does not answer, and the order is unchanged.',
  })
  syncNow(
    @CurrentPrincipal() principal: Principal,
    @Param('order_id') orderId: string,
  ): Promise<OrderDto> {
    return this.sync.syncPayment(principal, orderId);
  }

  @Post(':order_id/refunds')
  @Permission('payments.refund')
  @ApiCreatedResponse({ type: RefundDto })
  @ApiOkResponse({
    type: RefundDto,
    description:
      'The existing refund: its merchant_refund_no was sent before with the same amount.',
  })
  @Idempotent()
  @Audit('order.refund', 'order', {
    param: 'order_id',
    resultDetail: ['refund_id', 'status'],
    roles: ['admin'],
  })
  @ApiErrors(
    'invalid_amount',
    'order_not_found',
    'invalid_state',
    'duplicate_merchant_refund_no',
    'refund_exceeds_amount',
  )
  @ApiOperation({
    summary: '退款 Refund a payment order',
    description:
      'Only for SUCCEEDED or PARTIALLY_REFUNDED orders. The sum of refunds not failed never exceeds the amount, ' +
      'even under concurrent requests (422 `refund_exceeds_amount`). The result may come later: PENDING, then ' +
      "SUCCEEDED or FAILED by the channel's notification or the status sync.",
  })
  refund(
    @CurrentPrincipal() principal: Principal,
    @Param('order_id') orderId: string,
    @Body() body: CreateRefundDto,
  ): Promise<RefundDto | HttpResult<RefundDto>> {
    return this.refunds.createRefund(principal, orderId, body);
  }

  @Get(':order_id/refunds')
  @Permission('payments.read')
  @ApiErrors('order_not_found')
  @ApiOperation({ summary: '退款查询 List refunds of an order' })
  listRefunds(
    @CurrentPrincipal() principal: Principal,
    @Param('order_id') orderId: string,
  ): Promise<RefundListDto> {
    return this.refunds.listRefunds(principal, orderId);
  }
}

function isoDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
