import { AppError } from '../common/errors/app-error';

export class PaymentError extends AppError {
  static orderNotFound(): PaymentError {
    return new PaymentError('order_not_found');
  }
  static refundNotFound(): PaymentError {
    return new PaymentError('refund_not_found');
  }
  static invalidState(resource: 'order' | 'refund', state: string): PaymentError {
    return new PaymentError('invalid_state', { resource, state });
  }
  static sourceIdMismatch(sourceId: number): PaymentError {
    return new PaymentError('source_id_mismatch', { source_id: sourceId });
  }
  static duplicateMerchantOrderNo(merchantOrderNo: string): PaymentError {
    return new PaymentError('duplicate_merchant_order_no', { merchant_order_no: merchantOrderNo });
  }
  static duplicateMerchantRefundNo(merchantRefundNo: string): PaymentError {
    return new PaymentError('duplicate_merchant_refund_no', {
      merchant_refund_no: merchantRefundNo,
    });
  }
  static noChannelAvailable(detail: string): PaymentError {
    return new PaymentError('no_channel_available', { detail });
  }
  static refundExceedsAmount(available: number): PaymentError {
    return new PaymentError('refund_exceeds_amount', { available });
  }
  static channelUnavailable(retryAfter = 5): PaymentError {
    return new PaymentError('channel_unavailable', { retry_after: retryAfter }, undefined, {
      'retry-after': String(retryAfter),
    });
  }
  static invalidReturnUrl(problem: string): PaymentError {
    return new PaymentError('invalid_return_url', { problem });
  }
  static notificationRejected(): PaymentError {
    return new PaymentError('notification_rejected');
  }
}
