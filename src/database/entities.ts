import { AuditLogEntity } from '../admin/audit/entities/audit-log.entity';
import { CredentialEntity } from '../auth/entities/credential.entity';
import { MerchantEntity } from '../merchants/entities/merchant.entity';
import { AppSettingEntity } from './entities/app-setting.entity';
import { JobLeaseEntity } from './entities/job-lease.entity';

/** Every entity of the application; feature modules add theirs here. */
export const ENTITIES = [
  AppSettingEntity,
  JobLeaseEntity,
  CredentialEntity,
  MerchantEntity,
  AuditLogEntity,
];
