import { Global, Module } from '@nestjs/common';
import { AuditLogsController } from './audit/audit-logs.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { MaintenanceController } from './maintenance/maintenance.controller';
import { MaintenanceGuard } from './maintenance/maintenance.guard';
import { MaintenanceService } from './maintenance/maintenance.service';

/** Operators' tools every module relies on: the audit log and maintenance mode. */
@Global()
@Module({
  controllers: [MaintenanceController, AuditLogsController],
  providers: [
    MaintenanceService,
    MaintenanceGuard,
    AuditService,
    AuditRepository,
    AuditInterceptor,
  ],
  exports: [MaintenanceService, MaintenanceGuard, AuditService, AuditInterceptor],
})
export class AdminModule {}
