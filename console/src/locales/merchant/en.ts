import type { MessagesOf } from '../types';
import type zhCN from './zh-CN';

const en: MessagesOf<typeof zhCN> = {
  menu: {
    overview: 'Overview',
    payments: 'Payments',
    refunds: 'Refunds',
  },
  overview: {
    merchant: 'Merchant {id}',
    trend: 'Trend',
    range: 'Range',
    preset24h: '24 hours',
    preset7d: '7 days',
    preset30d: '30 days',
    paidAmount: 'Paid amount ({currency})',
    orders: 'Orders',
    totalPaid: 'Paid in range',
  },
  payments: {
    from: 'From',
    to: 'To',
    dates: 'Created between',
    status: 'Status',
    channel: 'Channel',
    q: 'Order id / merchant order no. / channel trade no.',
    export: 'Export CSV',
    orderId: 'Order id',
    merchantOrderNo: 'Merchant order no.',
    amount: 'Amount',
    product: 'Product',
    createdAt: 'Created',
  },
  drawer: {
    title: 'Order details',
    created: 'Order created',
    attempt: 'Channel {channel}: {outcome}',
    paid: 'Paid ({channel})',
    refund: 'Refund: {status}',
    event: 'Webhook {type}: {status}',
    eventAttempts: '{n} delivery attempts',
    refundedAmount: 'Refunded',
    fee: 'Fee',
    refundAction: 'Refund',
    close: 'Close order',
    closeConfirm: 'A closed order can no longer be paid. Close it?',
    refundAmount: 'Refund amount ({currency})',
    refundable: 'Refundable: {max}',
    refundReason: 'Reason',
    refundSubmit: 'Refund',
    refundTooLarge: 'At most the refundable {max}',
    refunded: 'Refund submitted',
    timeline: 'Timeline',
  },
  refundStatus: {
    PENDING: 'Processing',
    SUCCEEDED: 'Refunded',
    FAILED: 'Refund failed',
  },
  refunds: {
    refunds: 'Refunds',
  },
};

export default en;
