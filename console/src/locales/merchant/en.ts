import type { MessagesOf } from '../types';
import type zhCN from './zh-CN';

const en: MessagesOf<typeof zhCN> = {
  menu: {
    overview: 'Overview',
  },
};

export default en;
