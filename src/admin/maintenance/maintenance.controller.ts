import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../auth/permissions';
import { Audit } from '../audit/audit.decorator';
import { MaintenanceDto, SetMaintenanceDto } from './maintenance.dto';
import { MaintenanceService } from './maintenance.service';

@ApiTags('Operations')
@ApiBearerAuth('bearer')
@Controller('v1/admin/maintenance')
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Get()
  @Permission('maintenance.read')
  @ApiOperation({ summary: '维护模式 Maintenance mode state' })
  get(): Promise<MaintenanceDto> {
    return this.maintenance.state();
  }

  @Put()
  @Permission('maintenance.manage')
  @Audit('maintenance.set', 'maintenance')
  @ApiOperation({
    summary: '维护模式 Turn maintenance mode on or off',
    description:
      'While on, every non-admin `/v1` request is 503 `maintenance` with `Retry-After`; the token ' +
      'endpoint, health checks and provider notifications stay up.',
  })
  set(@Body() body: SetMaintenanceDto): Promise<MaintenanceDto> {
    return this.maintenance.set(body.enabled, body.retry_after_seconds);
  }
}
