import type { MessagesOf } from '../types';
import type zhCN from './zh-CN';

const en: MessagesOf<typeof zhCN> = {
  menu: {
    overview: 'Overview',
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
};

export default en;
