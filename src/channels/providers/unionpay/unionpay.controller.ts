import {
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { FastifyReply } from 'fastify';
import { Public } from '../../../common/auth/public.decorator';
import { Produces, RawResponse } from '../../../common/http/route-metadata';
import { ApiErrors } from '../../../docs/api-errors.decorator';
import { UnionpayPayLinkQueryDto } from './dto/unionpay-pay.dto';
import { AUTO_SUBMIT_SCRIPT, renderReturnPage } from './unionpay-pay-link';
import { UnionpayPayService } from './unionpay-pay.service';

/**
 * The pay page may run only our own script and post only to the channel's UnionPay gateway;
 * the return page runs nothing and posts nowhere.
 */
const payPageCsp = (formAction: string) =>
  `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`;
const RETURN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The UnionPay gateway product's payer-facing pages: reached through `pay_url`, signed, no token. */
@ApiTags('银联 UnionPay')
@Controller('unionpay/pay')
@Public()
@SkipThrottle()
export class UnionpayController {
  constructor(private readonly pages: UnionpayPayService) {}

  @Get(':order_id')
  @RawResponse()
  @Produces('text/html')
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'HTML that posts the signed form to UnionPay.', type: String })
  @ApiErrors('payment_link_expired', 'invalid_signature')
  @ApiOperation({
    summary: '银联支付页 UnionPay gateway pay page',
    description:
      "The page a gateway channel's `pay_url` opens: it signs the ACP consume form (txnType 01, bizType 000201) for the order and the payer's browser posts it to UnionPay's `frontTransReq.do` (channelType 08 for mobile browsers, 07 otherwise, unless the channel sets `channel_type`). 401 `invalid_signature` for a tampered link, 400 `payment_link_expired` after the order's expiry.",
  })
  async page(
    @Param('order_id') orderId: string,
    @Query() query: UnionpayPayLinkQueryDto,
    @Headers('user-agent') userAgent: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const page = await this.pages.payPage(orderId, query, userAgent);
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', payPageCsp(page.formAction));
    return page.html;
  }

  @Post(':order_id/return')
  @HttpCode(200)
  @RawResponse()
  @Produces('text/html')
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', RETURN_PAGE_CSP)
  @ApiOkResponse({ description: 'HTML: the payment was handed back by UnionPay.', type: String })
  @ApiOperation({
    summary: '银联支付返回页 UnionPay return page',
    description:
      "Where UnionPay sends the payer's browser after paying (`frontUrl`). What the browser brings is not trusted: the order changes only on UnionPay's verified back notification.",
  })
  returned(@Param('order_id') orderId: string): string {
    return renderReturnPage(orderId);
  }
}

/** The pay page's script, served from this origin because the page allows no inline script. */
@ApiTags('银联 UnionPay')
@Controller('unionpay')
@Public()
@SkipThrottle()
export class UnionpayScriptController {
  @Get('pay.js')
  @RawResponse()
  @Produces('text/javascript')
  @ApiProduces('text/javascript')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  @ApiOkResponse({ description: 'Submits the pay page’s form.', type: String })
  @ApiOperation({ summary: '银联支付页脚本 UnionPay pay page script' })
  script(): string {
    return AUTO_SUBMIT_SCRIPT;
  }
}
