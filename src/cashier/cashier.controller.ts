import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth/public.decorator';
import { AppError } from '../common/errors/app-error';
import { ErrorReason } from '../common/errors/error-catalogue';
import { overrideStatus } from '../common/http/envelope';
import { ErrorPageFor, Produces, RawResponse } from '../common/http/route-metadata';
import { PayerRateLimited } from '../common/rate-limit/rate-limit.guard';
import { ApiErrors } from '../docs/api-errors.decorator';
import { CASHIER_ERROR_PAGE, CASHIER_PAGE_HEADERS } from './cashier-error-page';
import { HTML } from './cashier-pages';
import { CashierReply, CashierService, PayerRequest } from './cashier.service';
import { CashierStatusDto, CheckoutActionDto, StartWalletDto } from './dto/cashier.dto';
import { CodeAmountDto } from './dto/code-amount.dto';

const ASSETS: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [
    ['cashier.js', 'text/javascript; charset=utf-8'],
    ['cashier.css', 'text/css; charset=utf-8'],
  ].map(([file, type]) => [file, { type, body: readFileSync(join(__dirname, 'assets', file)) }]),
);

/** A page people open in a browser: HTML, and its failures as pages too. */
const Page = (
  produces: string,
  operation: { summary: string; description: string },
  ...errors: ErrorReason[]
) =>
  applyDecorators(
    RawResponse(),
    Produces(produces),
    ApiProduces(produces),
    ErrorPageFor(CASHIER_ERROR_PAGE),
    ApiErrors(...errors),
    ApiOperation(operation),
  );

const HtmlOk = () =>
  ApiOkResponse({
    content: { 'text/html': { schema: { type: 'string' } } },
    description: 'The page.',
  });

const Redirect = (status: 302 | 303, description: string) =>
  ApiResponse({
    status,
    description,
    headers: { Location: { schema: { type: 'string' }, description: 'Where the browser goes.' } },
  });

const Image = (format: 'png' | 'svg') =>
  ApiOkResponse({
    content: { [format === 'png' ? 'image/png' : 'image/svg+xml']: { schema: { type: 'string' } } },
    description: `The QR code, ${format.toUpperCase()}.`,
  });

/**
 * The hosted cashier (收银台) and static codes' pages: what the payer's browser opens from
 * `pay_url`, an order's QR code, or a merchant's printed code. No token: a link is bound to its
 * order by its signed token, a static code by its unguessable one.
 */
@ApiTags('收银台 Cashier')
@Controller('cashier')
@Public()
export class CashierController {
  constructor(private readonly cashier: CashierService) {}

  @Get('assets/:file')
  @ApiExcludeEndpoint()
  @RawResponse()
  @Produces('text/javascript', 'text/css')
  @Header('cache-control', 'public, max-age=300')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return sendAsset(reply, file);
  }

  @Get('c/:code_token')
  @Page(
    'text/html',
    {
      summary: '商户码 Static code page',
      description:
        'What a printed static code opens: the amount to type (or the fixed one) and "Continue". 404 `qr_code_not_found`, 410 `qr_code_disabled`.',
    },
    'qr_code_not_found',
    'qr_code_disabled',
  )
  @HtmlOk()
  codePage(
    @Param('code_token') codeToken: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.cashier.codePage(codeToken, payerOf(request)).then((r) => send(reply, r));
  }

  @Post('c/:code_token')
  @HttpCode(303)
  @PayerRateLimited()
  @Page(
    'text/html',
    {
      summary: '商户码下单 Pay a static code',
      description:
        'The payer continues with `amount` in major units (`12.50`): a `channel=cashier` order for the code’s merchant, carrying the code’s id, then 303 to its cashier page. A refused amount shows the form again (400 `invalid_payer_amount`, `amount_out_of_range`). Limited per IP (PAYER_RATE_LIMIT_PER_MINUTE).',
    },
    'qr_code_not_found',
    'qr_code_disabled',
    'invalid_payer_amount',
    'amount_out_of_range',
    'no_channel_available',
  )
  @Redirect(303, 'The new order’s cashier page.')
  @ApiResponse({
    status: 400,
    content: { 'text/html': { schema: { type: 'string' } } },
    description: 'The form again, saying why the amount was refused.',
  })
  codeSubmit(
    @Param('code_token') codeToken: string,
    @Body() body: CodeAmountDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.cashier
      .codeSubmit(codeToken, body.amount, payerOf(request))
      .then((r) => send(reply, r));
  }

  @Get('c/:code_token/qr.png')
  @Page(
    'image/png',
    { summary: '商户码图片 Static code QR (PNG)', description: 'For printing.' },
    'qr_code_not_found',
    'qr_code_disabled',
  )
  @Image('png')
  codeQrPng(
    @Param('code_token') codeToken: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return this.cashier.codeQr(codeToken, 'png').then((b) => sendImage(reply, 'png', b));
  }

  @Get('c/:code_token/qr.svg')
  @Page(
    'image/svg+xml',
    { summary: '商户码图片 Static code QR (SVG)', description: 'For printing.' },
    'qr_code_not_found',
    'qr_code_disabled',
  )
  @Image('svg')
  codeQrSvg(
    @Param('code_token') codeToken: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return this.cashier.codeQr(codeToken, 'svg').then((b) => sendImage(reply, 'svg', b));
  }

  @Get(':token')
  @Page(
    'text/html',
    {
      summary: '收银台 Cashier page',
      description:
        'The page of a `channel=cashier` order (`pay_url`). From the User-Agent: inside WeChat (`MicroMessenger`) it sends the payer through WeChat OAuth (302) and opens the JSAPI pay sheet; inside Alipay (`AlipayClient`) the wap page; inside 云闪付 (`UnionPay`, `CloudPay`) UnionPay; on a computer a QR code per wallet; in another phone browser a link per wallet. Only wallets that routing allows for the order are offered; a wallet without one gets a page naming the apps that work. Chinese by default, English by `Accept-Language`. 404 for a link that is not ours, 410 once the order has expired.',
    },
    'cashier_link_not_found',
    'cashier_link_expired',
  )
  @HtmlOk()
  @ApiQuery({
    name: 'returned',
    required: false,
    schema: { type: 'string', enum: ['1'] },
    description:
      '`1` when a wallet’s page sent the payer back: the page waits for the result instead of starting again. Other fields the wallet adds are ignored.',
  })
  @Redirect(
    302,
    'WeChat OAuth (snsapi_base) for the payer’s openid, with a state bound to this browser.',
  )
  page(
    @Param('token') token: string,
    // a wallet's page adds its own fields when it sends the payer back: only this one is read
    @Query('returned') returned: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.cashier
      .orderPage(token, payerOf(request), returned === '1')
      .then((r) => send(reply, r));
  }

  @Get(':token/qr.png')
  @Page(
    'image/png',
    {
      summary: '收银台二维码 Cashier QR (PNG)',
      description: 'The cashier page as a QR code, for any wallet to scan (the order’s `qr_code`).',
    },
    'cashier_link_not_found',
  )
  @Image('png')
  qrPng(
    @Param('token') token: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return this.cashier.orderQr(token, 'png').then((b) => sendImage(reply, 'png', b));
  }

  @Get(':token/qr.svg')
  @Page(
    'image/svg+xml',
    {
      summary: '收银台二维码 Cashier QR (SVG)',
      description: 'The cashier page as a QR code, SVG.',
    },
    'cashier_link_not_found',
  )
  @Image('svg')
  qrSvg(
    @Param('token') token: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    return this.cashier.orderQr(token, 'svg').then((b) => sendImage(reply, 'svg', b));
  }

  @Get(':token/status')
  @ApiErrors('cashier_link_not_found')
  @ApiOperation({
    summary: '收银台订单状态 Cashier order status',
    description: 'What the page polls: paid or not, and where to send the payer then.',
  })
  status(@Param('token') token: string): Promise<CashierStatusDto> {
    return this.cashier.status(token);
  }

  @Post(':token/pay')
  @HttpCode(200)
  @PayerRateLimited()
  @ApiErrors(
    'cashier_link_not_found',
    'cashier_link_expired',
    'invalid_state',
    'checkout_started_elsewhere',
    'wallet_unavailable',
    'channel_unavailable',
  )
  @ApiOperation({
    summary: '收银台支付 Start a wallet',
    description:
      'The page starts the payment with the wallet the payer chose: an attempt on the order at a channel routing allows (the first that pays wins; the others are closed). Answers what to do next: `redirect`, `qr` or `wallet_sheet`. Amounts come from the order, never from the browser. Limited per IP (PAYER_RATE_LIMIT_PER_MINUTE).',
  })
  pay(
    @Param('token') token: string,
    @Body() body: StartWalletDto,
    @Req() request: FastifyRequest,
  ): Promise<CheckoutActionDto> {
    return this.cashier.pay(token, body, payerOf(request));
  }

  @Get(':token/oauth/:channel')
  @Page(
    'text/html',
    {
      summary: '收银台授权回调 Wallet OAuth return',
      description:
        'Where WeChat sends the payer back with `code` and `state`. A state this browser was not given is 403 `oauth_state_invalid`; otherwise the openid is kept in a signed cookie and the browser goes back to the cashier page (303).',
    },
    'cashier_link_not_found',
    'oauth_state_invalid',
    'wallet_unavailable',
    'channel_unavailable',
  )
  @Redirect(303, 'Back to the cashier page, the payer’s openid known.')
  oauthReturn(
    @Param('token') token: string,
    @Param('channel') channel: string,
    @Query('code') code: string | undefined,
    @Query('state') state: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.cashier
      .oauthReturn(token, channel, { code, state }, payerOf(request))
      .then((r) => send(reply, r));
  }
}

function payerOf(request: FastifyRequest): PayerRequest {
  return {
    userAgent: request.headers['user-agent'],
    acceptLanguage: request.headers['accept-language'],
    cookieHeader: request.headers.cookie,
    ip: request.ip,
  };
}

/** A cashier reply on the wire: its status, the page or where to go, its cookies. */
function send(reply: FastifyReply, result: CashierReply): string {
  overrideStatus(reply, result.status);
  reply.headers(CASHIER_PAGE_HEADERS);
  if (result.location) reply.header('location', result.location);
  if (result.cookies) reply.header('set-cookie', result.cookies);
  if (result.html === undefined) return '';
  reply.header('content-type', HTML);
  return result.html;
}

function sendImage(reply: FastifyReply, format: 'png' | 'svg', body: Buffer | string) {
  reply.headers(CASHIER_PAGE_HEADERS);
  reply.header('content-type', format === 'png' ? 'image/png' : 'image/svg+xml');
  return body;
}

function sendAsset(reply: FastifyReply, file: string): Buffer {
  const asset = ASSETS[file];
  if (!asset) throw AppError.notFound();
  reply.header('content-type', asset.type);
  return asset.body;
}
