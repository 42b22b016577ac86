import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { MerchantsModule } from '../merchants/merchants.module';
import { PaymentsModule } from '../payments/payments.module';
import { CashierController } from './cashier.controller';
import { CashierService } from './cashier.service';
import { QrCodesController } from './qr-codes.controller';
import { QrCodesRepository } from './qr-codes.repository';
import { QrCodesService } from './qr-codes.service';

/**
 * The hosted cashier (收银台) and static codes (商户码). It makes orders and attempts through
 * PaymentsService and asks the channels module which wallets routing allows; the token of an
 * order's link (CashierLinks) is made where the order is, in payments.
 */
@Module({
  imports: [PaymentsModule, ChannelsModule, MerchantsModule],
  controllers: [CashierController, QrCodesController],
  providers: [CashierService, QrCodesService, QrCodesRepository],
})
export class CashierModule {}
