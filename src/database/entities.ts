import { AuditLogEntity } from '../admin/audit/entities/audit-log.entity';
import { ChannelDailyStatsEntity } from '../channels/entities/channel-daily-stats.entity';
import { ChannelDailyVolumeEntity } from '../channels/entities/channel-daily-volume.entity';
import { ChannelHealthEntity } from '../channels/entities/channel-health.entity';
import { ChannelEntity } from '../channels/entities/channel.entity';
import { SandboxPaymentEntity } from '../channels/providers/sandbox/entities/sandbox-payment.entity';
import { SandboxRefundEntity } from '../channels/providers/sandbox/entities/sandbox-refund.entity';
import { BillLineEntity } from '../clearing/entities/bill-line.entity';
import { BillEntity } from '../clearing/entities/bill.entity';
import { ClearingRunEntity } from '../clearing/entities/clearing-run.entity';
import { QrCodeEntity } from '../cashier/entities/qr-code.entity';
import { JournalEntryEntity } from '../clearing/entities/journal-entry.entity';
import { JournalLineEntity } from '../clearing/entities/journal-line.entity';
import { ReconciliationEntity } from '../clearing/entities/reconciliation.entity';
import { CredentialEntity } from '../auth/entities/credential.entity';
import { ConsoleSessionEntity } from '../console/entities/console-session.entity';
import { ConsoleUserEntity } from '../console/entities/console-user.entity';
import { MerchantEntity } from '../merchants/entities/merchant.entity';
import { OrderEntity } from '../payments/entities/order.entity';
import { PaymentAttemptEntity } from '../payments/entities/payment-attempt.entity';
import { PaymentExceptionEntity } from '../payments/entities/payment-exception.entity';
import { RefundEntity } from '../payments/entities/refund.entity';
import { WebhookAttemptEntity } from '../webhooks/entities/webhook-attempt.entity';
import { WebhookEventEntity } from '../webhooks/entities/webhook-event.entity';
import { AppSettingEntity } from './entities/app-setting.entity';
import { JobLeaseEntity } from './entities/job-lease.entity';

/** Every entity of the application; feature modules add theirs here. */
export const ENTITIES = [
  AppSettingEntity,
  JobLeaseEntity,
  CredentialEntity,
  MerchantEntity,
  AuditLogEntity,
  ChannelEntity,
  ChannelHealthEntity,
  ChannelDailyStatsEntity,
  ChannelDailyVolumeEntity,
  SandboxPaymentEntity,
  SandboxRefundEntity,
  OrderEntity,
  PaymentAttemptEntity,
  RefundEntity,
  PaymentExceptionEntity,
  WebhookEventEntity,
  WebhookAttemptEntity,
  JournalEntryEntity,
  JournalLineEntity,
  ClearingRunEntity,
  BillEntity,
  BillLineEntity,
  ReconciliationEntity,
  QrCodeEntity,
  ConsoleUserEntity,
  ConsoleSessionEntity,
];
