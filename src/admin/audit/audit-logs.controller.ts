import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/principal';
import { AuditService } from './audit.service';
import { AuditLogPageDto, ListAuditLogsQueryDto } from './dto/audit-log.dto';

@ApiTags('Operations')
@ApiBearerAuth('bearer')
@Controller('v1/admin/audit-logs')
@Roles('admin')
export class AuditLogsController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: '审计日志 Audit log',
    description: 'Admin actions and credential changes, newest first.',
  })
  list(@Query() query: ListAuditLogsQueryDto): Promise<AuditLogPageDto> {
    return this.audit.list(query);
  }
}
