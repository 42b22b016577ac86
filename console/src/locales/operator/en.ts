import type { MessagesOf } from '../types';
import type zhCN from './zh-CN';

const en: MessagesOf<typeof zhCN> = {
  menu: {
    overview: 'Overview',
  },
  overview: {
    title: 'Overview',
    todayAmount: 'Paid today',
    todayCount: 'Orders today',
    successRate: 'Success rate',
    refunds: 'Refunds today',
    vsYesterday: '{change} vs yesterday',
    noChange: 'Same as yesterday',
    noYesterday: 'None yesterday',
  },
};

export default en;
