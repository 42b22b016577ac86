import { Module } from '@nestjs/common';
import { CashierLinks } from '../cashier/cashier-links';
import { ChannelsModule } from '../channels/channels.module';
import { OutboxRepository } from '../webhooks/outbox.repository';
import { AttemptsRepository } from './attempts.repository';
import { PaymentJobs } from './jobs/payment-jobs';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { OrderCreationRepository } from './order-creation.repository';
import { OrderTransitions } from './order-transitions.service';
import { OrdersRepository } from './orders.repository';
import { PaymentEffects } from './payment-effects';
import { PaymentReports } from './payment-reports.service';
import { PaymentSync } from './payment-sync.service';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { RefundsController } from './refunds.controller';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

@Module({
  imports: [ChannelsModule],
  controllers: [PaymentsController, RefundsController, NotificationsController],
  providers: [
    PaymentsService,
    RefundsService,
    NotificationsService,
    PaymentReports,
    PaymentSync,
    PaymentJobs,
    OrderTransitions,
    PaymentEffects,
    OrdersRepository,
    OrderCreationRepository,
    RefundsRepository,
    AttemptsRepository,
    OutboxRepository,
    CashierLinks,
  ],
  exports: [
    PaymentEffects,
    PaymentSync,
    OrdersRepository,
    RefundsRepository,
    PaymentsService,
    CashierLinks,
  ],
})
export class PaymentsModule {}
