import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../../common/auth/public.decorator';
import { RawBody } from '../../../common/http/envelope';
import { Produces, RawResponse } from '../../../common/http/route-metadata';
import {
  PayLinkFieldsDto,
  PayLinkQueryDto,
  SandboxPayDto,
  SandboxPayResultDto,
} from './dto/sandbox.dto';
import { SandboxPayService } from './sandbox-pay.service';
import { ApiErrors } from '../../../docs/api-errors.decorator';

/**
 * The payer's pages are plain HTML with an inline style and forms posting back here: nothing
 * else may load, run, frame them or be posted to.
 */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The sandbox provider's payer-facing pages: reached through `pay_url`, signed, no token. */
@ApiTags('沙箱 Sandbox')
@Controller('sandbox/pay')
@Public()
@SkipThrottle()
export class SandboxController {
  constructor(private readonly sandbox: SandboxPayService) {}

  @Get(':order_id')
  @RawResponse()
  @Produces('text/html')
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', PAGE_CSP)
  @ApiErrors('payment_link_expired', 'invalid_signature')
  @ApiOperation({
    summary: '沙箱支付页 Sandbox pay page',
    description:
      'The page `pay_url` opens: the amount and "Pay" / "Fail" buttons. 401 `invalid_signature` for a tampered link, 400 `payment_link_expired` after its expiry.',
  })
  page(@Param('order_id') orderId: string, @Query() query: PayLinkQueryDto): Promise<string> {
    return this.sandbox.payPage(orderId, query);
  }

  @Post(':order_id')
  @HttpCode(200)
  @Produces('application/json', 'text/html')
  @Header('content-security-policy', PAGE_CSP)
  @ApiExtraModels(SandboxPayResultDto)
  @ApiOkResponse({
    description: 'JSON; a browser form post gets HTML.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SandboxPayResultDto) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiErrors('payment_link_expired', 'invalid_signature', 'invalid_state')
  @ApiOperation({
    summary: '沙箱支付 Pay or fail a sandbox payment',
    description:
      'For scripts: POST to `pay_url` with `{outcome: success|fail}`. The first outcome wins; another one, or paying a closed trade, is 409 `invalid_state`. The signed notification follows after the channel’s `notify_delay_ms`.',
  })
  pay(
    @Param('order_id') orderId: string,
    @Query() query: PayLinkFieldsDto,
    @Body() body: SandboxPayDto,
    @Headers('accept') accept: string | undefined,
  ): Promise<SandboxPayResultDto | RawBody> {
    return this.sandbox.pay(orderId, query, body, accept);
  }
}
