import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  CreatedCredentialDto,
  CreatedMerchantDto,
  CreateMerchantDto,
  CredentialListDto,
  ListMerchantsQueryDto,
  MerchantDto,
  MerchantPageDto,
  RevokeCredentialQueryDto,
  RevokedCredentialDto,
  UpdateMerchantDto,
  WebhookSecretDto,
} from './dto/merchant.dto';
import { MerchantsService } from './merchants.service';
import { SourceIdPipe } from './source-id.pipe';
import { ApiErrors } from '../docs/api-errors.decorator';

@ApiTags('Merchants')
@ApiBearerAuth('bearer')
@Controller('v1/merchants')
export class MerchantsController {
  constructor(private readonly merchants: MerchantsService) {}

  @Post()
  @Permission('merchants.create')
  @Idempotent()
  @Audit('merchant.create', 'merchant', { resultField: 'source_id' })
  @ApiErrors('invalid_notify_url')
  @ApiOperation({
    summary: '创建商户 Create a merchant',
    description:
      'Returns the merchant code (`source_id`) and its first credential; `client_secret` and `webhook_secret` are shown only here.',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateMerchantDto,
  ): Promise<CreatedMerchantDto> {
    return this.merchants.createMerchant(principal, body);
  }

  @Get()
  @Permission('merchants.list')
  @ApiOperation({ summary: '商户列表 List merchants', description: 'Newest first.' })
  list(@Query() query: ListMerchantsQueryDto): Promise<MerchantPageDto> {
    return this.merchants.listMerchants(query);
  }

  @Get('me')
  @Permission('merchants.self')
  @ApiErrors('merchant_not_found')
  @ApiOperation({ summary: '当前商户 The calling merchant' })
  me(@CurrentPrincipal() principal: Principal): Promise<MerchantDto> {
    return this.merchants.getOwnMerchant(principal);
  }

  @Get(':source_id')
  @Permission('merchants.read')
  @ApiErrors('merchant_not_found')
  @ApiOperation({
    summary: '查询商户 Get a merchant',
    description: 'Admins read any merchant; a merchant only itself (404 otherwise).',
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
  ): Promise<MerchantDto> {
    return this.merchants.getMerchant(principal, sourceId);
  }

  @Patch(':source_id')
  @Permission('merchants.update')
  @Audit('merchant.update', 'merchant', { param: 'source_id' })
  @ApiErrors('invalid_notify_url', 'forbidden', 'merchant_not_found')
  @ApiOperation({
    summary: '修改商户 Update a merchant',
    description:
      'A merchant may change only its own `notify_url`; `name` and `status` are for admins (403 otherwise).',
  })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
    @Body() body: UpdateMerchantDto,
  ): Promise<MerchantDto> {
    return this.merchants.updateMerchant(principal, sourceId, body);
  }

  @Post(':source_id/credentials')
  @Permission('credentials.manage')
  @Idempotent()
  @Audit('credential.create', 'merchant', { param: 'source_id', resultDetail: ['client_id'] })
  @ApiErrors('merchant_not_found', 'credential_limit_reached')
  @ApiOperation({
    summary: '新增凭证 Add a credential',
    description:
      'A further client_id/client_secret for rotation; the secret is shown only here. Admins, ' +
      'or the merchant itself; at most MAX_ACTIVE_CREDENTIALS_PER_MERCHANT (default 5) active ' +
      'credentials per merchant (422 `credential_limit_reached`). The new credential records ' +
      'its creator (`created_by`).',
  })
  addCredential(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
  ): Promise<CreatedCredentialDto> {
    return this.merchants.addCredential(principal, sourceId);
  }

  @Post(':source_id/webhook-secret')
  @Permission('webhooks.manage')
  @ApiErrors('merchant_not_found')
  @Idempotent()
  @Audit('webhook_secret.rotate', 'merchant', { param: 'source_id' })
  @ApiOperation({
    summary: '轮换通知密钥 Rotate the webhook secret',
    description:
      'Issues a new webhook signing secret, shown only here. Until `previous_secret_expires_at` ' +
      '(WEBHOOK_SECRET_GRACE_SECONDS, default 24 h) webhooks are signed with both: ' +
      '`Paygate-Signature: t=…,v1=<new>,v1=<old>`; then with the new one only. Admins, or the merchant itself.',
  })
  rotateWebhookSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
  ): Promise<WebhookSecretDto> {
    return this.merchants.rotateWebhookSecret(principal, sourceId);
  }

  @Get(':source_id/credentials')
  @Permission('credentials.read')
  @ApiErrors('merchant_not_found')
  @ApiOperation({ summary: '凭证列表 List credentials', description: 'Without secrets.' })
  listCredentials(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
  ): Promise<CredentialListDto> {
    return this.merchants.listCredentials(principal, sourceId);
  }

  @Delete(':source_id/credentials/:client_id')
  @Permission('credentials.manage')
  @Audit('credential.revoke', 'credential', { param: 'client_id', resultDetail: ['also_revoked'] })
  @ApiErrors('merchant_not_found', 'credential_not_found')
  @ApiOperation({
    summary: '吊销凭证 Revoke a credential',
    description:
      'Its tokens are refused (401) from this moment. `cascade=true` also revokes the ' +
      'credentials it created, theirs, and so on (`also_revoked`), even if it was revoked ' +
      'before: what a stolen token may have made.',
  })
  revokeCredential(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
    @Param('client_id') clientId: string,
    @Query() query: RevokeCredentialQueryDto,
  ): Promise<RevokedCredentialDto> {
    return this.merchants.revokeCredential(principal, sourceId, clientId, query.cascade);
  }
}
