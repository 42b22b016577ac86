import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../admin/audit/audit.decorator';
import { Permission } from '../auth/permissions';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { ApiErrors } from '../docs/api-errors.decorator';
import { SourceIdPipe } from '../merchants/source-id.pipe';
import {
  CreateQrCodeDto,
  ListQrCodesQueryDto,
  QrCodeDto,
  QrCodePageDto,
  UpdateQrCodeDto,
} from './dto/qr-code.dto';
import { QrCodesService } from './qr-codes.service';

/** 商户码: a merchant's static codes (the merchant itself, or an admin). */
@ApiTags('Merchants')
@ApiBearerAuth('bearer')
@Controller('v1/merchants/:source_id/qr-codes')
export class QrCodesController {
  constructor(private readonly codes: QrCodesService) {}

  @Post()
  @Permission('qr_codes.manage')
  @Idempotent()
  @Audit('qr_code.create', 'merchant', { param: 'source_id' })
  @ApiErrors('merchant_not_found')
  @ApiOperation({
    summary: '创建商户码 Create a static code',
    description:
      'A permanent code (`url`, and `qr_image_url` to print): scanning it opens the cashier, where the payer types the amount (held to `min_amount`..`max_amount`) or sees the fixed `amount`; a `channel=cashier` order is made for the merchant then, carrying `qr_code_id`.',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
    @Body() body: CreateQrCodeDto,
  ): Promise<QrCodeDto> {
    return this.codes.createCode(principal, sourceId, body);
  }

  @Get()
  @Permission('qr_codes.read')
  @ApiErrors('merchant_not_found')
  @ApiOperation({ summary: '商户码列表 List static codes', description: 'Newest first.' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
    @Query() query: ListQrCodesQueryDto,
  ): Promise<QrCodePageDto> {
    return this.codes.listCodes(principal, sourceId, query);
  }

  @Patch(':code_id')
  @Permission('qr_codes.manage')
  @Audit('qr_code.update', 'qr_code', { param: 'code_id' })
  @ApiErrors('merchant_not_found', 'qr_code_not_found')
  @ApiOperation({
    summary: '停用/启用商户码 Disable or enable a static code',
    description: 'A disabled code’s page tells the payer it takes no payments (410).',
  })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
    @Param('code_id') codeId: string,
    @Body() body: UpdateQrCodeDto,
  ): Promise<QrCodeDto> {
    return this.codes.updateCode(principal, sourceId, codeId, body);
  }

  @Delete(':code_id')
  @Permission('qr_codes.manage')
  @Audit('qr_code.delete', 'qr_code', { param: 'code_id' })
  @ApiErrors('merchant_not_found', 'qr_code_not_found')
  @ApiOperation({
    summary: '删除商户码 Delete a static code',
    description: 'It takes no more payments and leaves the list; its orders keep its id.',
  })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('source_id', SourceIdPipe) sourceId: number,
    @Param('code_id') codeId: string,
  ): Promise<QrCodeDto> {
    return this.codes.deleteCode(principal, sourceId, codeId);
  }
}
