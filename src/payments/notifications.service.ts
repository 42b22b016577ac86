import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ChannelGateway } from '../channels/channel-gateway';
import { ChannelError } from '../channels/channels.errors';
import { MetricsService } from '../ops/metrics.service';
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
  private readonly refused: Counter<'channel' | 'reason'>;

  constructor(
    private readonly channels: ChannelGateway,
    private readonly reports: PaymentReports,
    metrics: MetricsService,
  ) {
    this.refused = new Counter({
      name: 'paygate_notifications_refused_total',
      help: 'Provider notifications refused before anything was applied, by channel code and reason (unknown_channel: no channel has the code, and the channel label is empty; verification_failed: signature, certificate or format)',
      labelNames: ['channel', 'reason'],
      registers: [metrics.registry],
    });
  }

  async receive(code: string, notification: InboundNotification): Promise<NotificationReply> {
    let verified;
    try {
      verified = await this.channels.verifyNotification(code, notification);
    } catch (error) {
      if (error instanceof ChannelError && error.reason === 'channel_not_found') {
        // the code comes from the URL: not a label value, or anyone could add series
        this.refused.inc({ channel: '', reason: 'unknown_channel' });
      }
      if (!(error instanceof NotificationRejectedError)) throw error;
      this.refused.inc({ channel: code, reason: 'verification_failed' });
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
