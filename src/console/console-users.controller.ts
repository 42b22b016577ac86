import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiErrors } from '../docs/api-errors.decorator';
import { CONSOLE_TAG } from './console-session.controller';
import { ConsoleUsersService } from './console-users.service';
import {
  ConsoleUserDto,
  ConsoleUserPageDto,
  CreateConsoleUserDto,
  ListConsoleUsersQueryDto,
  UpdateConsoleUserDto,
} from './dto/console-user.dto';

@ApiTags(CONSOLE_TAG)
@ApiCookieAuth('session')
@ApiBearerAuth('bearer')
@Controller('v1/console/users')
export class ConsoleUsersController {
  constructor(private readonly users: ConsoleUsersService) {}

  @Get()
  @Permission('users.read')
  @ApiErrors('merchant_not_found')
  @ApiOperation({
    summary: '控制台用户 List console users',
    description: "Newest first. Operators see everyone; a merchant's owner only its own people.",
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListConsoleUsersQueryDto,
  ): Promise<ConsoleUserPageDto> {
    return this.users.listUsers(principal, query);
  }

  @Post()
  @Permission('users.manage')
  @Idempotent()
  @Audit('console_user.create', 'console_user', { resultField: 'user_id' })
  @ApiErrors('weak_password', 'merchant_not_found', 'email_taken')
  @ApiOperation({
    summary: '新增控制台用户 Create a console user',
    description:
      "Operators create operators and a merchant's owner; a merchant's owner creates that " +
      "merchant's people. The password you set is temporary: the user must change it at first login.",
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateConsoleUserDto,
  ): Promise<ConsoleUserDto> {
    return this.users.createUser(principal, body);
  }

  @Patch(':user_id')
  @Permission('users.manage')
  @Audit('console_user.update', 'console_user', { param: 'user_id' })
  @ApiErrors('weak_password', 'user_not_found', 'last_owner', 'own_account')
  @ApiOperation({
    summary: '修改控制台用户 Change a console user',
    description:
      'Name, role, status; `password` resets it (to be changed at next login); `totp_enabled: ' +
      'false` turns two-factor authentication off. Disabling or resetting ends their sessions at once.',
  })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('user_id') userId: string,
    @Body() body: UpdateConsoleUserDto,
  ): Promise<ConsoleUserDto> {
    return this.users.updateUser(principal, userId, body);
  }

  @Delete(':user_id')
  @Permission('users.manage')
  @Audit('console_user.delete', 'console_user', { param: 'user_id' })
  @ApiErrors('user_not_found', 'last_owner', 'own_account')
  @ApiOperation({
    summary: '删除控制台用户 Delete a console user',
    description: 'Their sessions end at once.',
  })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('user_id') userId: string,
  ): Promise<ConsoleUserDto> {
    return this.users.deleteUser(principal, userId);
  }
}
