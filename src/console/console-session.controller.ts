import { Body, Controller, Delete, Get, HttpCode, Post, Put, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Audit } from '../admin/audit/audit.decorator';
import { AllowDuringMaintenance } from '../admin/maintenance/maintenance.decorator';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Public } from '../common/auth/public.decorator';
import { ApiErrors } from '../docs/api-errors.decorator';
import { Client } from './client-context.decorator';
import { ClientContext, ConsoleSessionsService } from './console-sessions.service';
import {
  ChangePasswordDto,
  ConfirmTotpDto,
  ConsoleSessionDto,
  CurrentPasswordDto,
  LoggedOutDto,
  LoginDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
  TotpStatusDto,
} from './dto/console-session.dto';

export const CONSOLE_TAG = '控制台 Console';

@ApiTags(CONSOLE_TAG)
@ApiCookieAuth('session')
@Controller('v1/console/session')
export class ConsoleSessionController {
  constructor(private readonly sessions: ConsoleSessionsService) {}

  @Post()
  @HttpCode(200)
  @Public()
  @AllowDuringMaintenance()
  @ApiErrors(
    'invalid_credentials',
    'totp_required',
    'invalid_totp',
    'merchant_suspended',
    'rate_limited',
  )
  @ApiOperation({
    summary: '登录 Log in to the console',
    description:
      'Sets the `paygate_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure unless ' +
      'PUBLIC_BASE_URL is plain http) and the readable `paygate_csrf` cookie, whose value every ' +
      'change made with the session must send back in `X-CSRF-Token`. A wrong password and an ' +
      'unknown email both answer 401 `invalid_credentials`; repeated failures lock the email ' +
      'and the client address out for a while (429 `rate_limited` with Retry-After), whether the account exists ' +
      'or not. With two-factor authentication on, send `totp` (a code or a recovery code).',
  })
  async login(
    @Body() body: LoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionDto> {
    const { session, cookies } = await this.sessions.login(body, client);
    reply.header('set-cookie', cookies);
    return session;
  }

  @Get()
  @Permission('session.self')
  @ApiOperation({
    summary: '当前会话 The current console session',
    description: 'Who is logged in and what the session may do (`permissions`).',
  })
  current(@CurrentPrincipal() principal: Principal): Promise<ConsoleSessionDto> {
    return this.sessions.currentSession(principal);
  }

  @Delete()
  @Permission('session.self')
  @Audit('console.logout', 'console_user')
  @ApiOperation({
    summary: '退出 Log out',
    description: 'Ends the session on every instance and clears both cookies.',
  })
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoggedOutDto> {
    reply.header('set-cookie', await this.sessions.logout(principal));
    return { logged_out: true };
  }

  @Put('password')
  @Permission('session.self')
  @Audit('console.password_change', 'console_user')
  @ApiErrors('weak_password', 'rate_limited')
  @ApiOperation({
    summary: '修改密码 Change your password',
    description:
      'At least 12 characters, not a common password, not your email. Every session of the ' +
      'account ends; this browser gets a new session (new cookies).',
  })
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangePasswordDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionDto> {
    const { session, cookies } = await this.sessions.changePassword(principal, body, client);
    reply.header('set-cookie', cookies);
    return session;
  }

  @Post('totp')
  @HttpCode(200)
  @Permission('session.self')
  @Audit('console.totp_begin', 'console_user')
  @ApiErrors('invalid_state', 'rate_limited')
  @ApiOperation({
    summary: '启用双因素认证 Start two-factor enrolment',
    description:
      'Answers a new TOTP key (RFC 6238: SHA-1, 6 digits, 30 s) and its otpauth:// link; it ' +
      'takes effect once a code from it is confirmed with PUT.',
  })
  beginTotp(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CurrentPasswordDto,
    @Client() client: ClientContext,
  ): Promise<TotpEnrolmentDto> {
    return this.sessions.beginTotp(principal, body, client);
  }

  @Put('totp')
  @Permission('session.self')
  @Audit('console.totp_enable', 'console_user')
  @ApiErrors('invalid_state')
  @ApiOperation({
    summary: '确认双因素认证 Confirm two-factor enrolment',
    description:
      'Turns two-factor authentication on and answers ten single-use recovery codes, shown only here.',
  })
  confirmTotp(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ConfirmTotpDto,
  ): Promise<RecoveryCodesDto> {
    return this.sessions.confirmTotp(principal, body);
  }

  @Delete('totp')
  @Permission('session.self')
  @Audit('console.totp_disable', 'console_user')
  @ApiErrors('invalid_state', 'rate_limited')
  @ApiOperation({ summary: '关闭双因素认证 Turn two-factor authentication off' })
  disableTotp(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CurrentPasswordDto,
    @Client() client: ClientContext,
  ): Promise<TotpStatusDto> {
    return this.sessions.disableTotp(principal, body, client);
  }
}
