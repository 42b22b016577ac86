import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../auth/permissions';
import { AuditService } from './audit.service';
import { AuditLogPageDto, ListAuditLogsQueryDto } from './dto/audit-log.dto';

@ApiTags('Operations')
@ApiBearerAuth('bearer')
@Controller('v1/admin/audit-logs')
export class AuditLogsController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Permission('audit.read')
  @ApiOperation({
    summary: '审计日志 Audit log',
    description: 'Admin actions and credential changes, newest first.',
  })
  list(@Query() query: ListAuditLogsQueryDto): Promise<AuditLogPageDto> {
    return this.audit.list(query);
  }
}
