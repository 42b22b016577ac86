import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { PaymentsModule } from '../payments/payments.module';
import { BillsController } from './bills.controller';
import { BillsRepository } from './bills.repository';
import { BillsService } from './bills.service';
import { ClearingRunsController } from './clearing-runs.controller';
import { ClearingRunsRepository } from './clearing-runs.repository';
import { ClearingRunsService } from './clearing-runs.service';
import { ClearingScheduler } from './clearing-scheduler';
import { JournalService } from './journal.service';
import { LedgerController } from './ledger.controller';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { ReconciliationsController } from './reconciliations.controller';
import { ReconciliationsRepository } from './reconciliations.repository';
import { ReconciliationsService } from './reconciliations.service';

/**
 * 清算: the double-entry ledger (posted by payments' money movements), daily bills built from
 * it by clearing runs, and reconciliation against the channels' statements.
 */
@Module({
  imports: [PaymentsModule, ChannelsModule],
  controllers: [
    BillsController,
    ClearingRunsController,
    ReconciliationsController,
    LedgerController,
  ],
  providers: [
    LedgerService,
    LedgerRepository,
    JournalService,
    BillsService,
    BillsRepository,
    ClearingRunsService,
    ClearingRunsRepository,
    ClearingScheduler,
    ReconciliationsService,
    ReconciliationsRepository,
  ],
})
export class ClearingModule {}
