import { Injectable } from '@nestjs/common';
import { ChannelGateway } from '../channels/channel-gateway';
import {
  InboundNotification,
  NotificationRejectedError,
  NotificationReply,
} from '../channels/providers/payment-provider.port';
import { PaymentError } from './payments.errors';
import { PaymentReports } from './payment-reports.service';

/**
 * Provider notifications: verified by the channel's adapter before anything is read from them
 * (an unverified one is 401 and changes nothing), then applied through the same transitions as
 * every other report. Duplicates and reordering are harmless: a transition applies once, from
 * the states it is allowed from, and never backwards.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly channels: ChannelGateway,
    private readonly reports: PaymentReports,
  ) {}

  async receive(code: string, notification: InboundNotification): Promise<NotificationReply> {
    let verified;
    try {
      verified = await this.channels.verifyNotification(code, notification);
    } catch (error) {
      if (!(error instanceof NotificationRejectedError)) throw error;
      if (error.reply) return { ...error.reply, status: 401 };
      throw PaymentError.notificationRejected();
    }
    const { event, reply } = verified.parsed;
    if (event.kind === 'payment') {
      await this.reports.applyPaymentReport(verified.channelId, event.orderId, {
        status: event.status,
        channelTradeNo: event.channelTradeNo,
        amount: event.amount,
        currency: event.currency,
        paidAt: event.occurredAt,
      });
    } else {
      await this.reports.applyRefundReport(verified.channelId, event.refundId, {
        status: event.status,
        channelRefundNo: event.channelRefundNo,
        amount: event.amount,
        completedAt: event.occurredAt,
      });
    }
    return reply;
  }
}
